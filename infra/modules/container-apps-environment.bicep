// The Container Apps environment (consumption). Its console and system logs go to Log Analytics
// through a diagnostic setting (destination "azure-monitor"), so the environment never holds the
// workspace's shared key.

import { resourceTags } from 'types.bicep'

@description('Name of the environment.')
param name string

@description('Azure region.')
param location string

@description('Tags to apply.')
param tags resourceTags

@description('Resource id of the Log Analytics workspace that receives the logs.')
param logAnalyticsWorkspaceId string

@description('Run in a VNet subnet (for private endpoints) instead of an Azure-managed network.')
param vnetIntegration bool = false

@description('The subnet, when vnetIntegration is true.')
param infrastructureSubnetId string = ''

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    zoneRedundant: false
    // In a VNet: a workload-profiles environment (consumption profile), whose apps resolve the services'
    // names through the VNet's private DNS zones. The ingress stays external: clients call the Api from
    // the internet; only the services behind it are private.
    vnetConfiguration: !vnetIntegration ? null : {
      infrastructureSubnetId: infrastructureSubnetId
      internal: false
    }
    workloadProfiles: !vnetIntegration ? null : [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }
}

// The category group "allLogs" (every category, including ones added later) exists only in this
// API version; the one GA version, 2016-09-01, needs each category listed by name.
resource logs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-workspace'
  scope: environment
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

@description('Resource id of the environment.')
output id string = environment.id

@description('Name of the environment.')
output name string = environment.name

@description('Default domain of the environment.')
output defaultDomain string = environment.properties.defaultDomain
