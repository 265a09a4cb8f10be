// Log Analytics for platform logs and a workspace-based Application Insights for the services'
// OpenTelemetry. Both refuse key-based ingestion: the services send telemetry with an Entra ID token
// of the managed identity (Monitoring Metrics Publisher), and Container Apps logs flow through a
// diagnostic setting rather than the workspace's shared key.

import { resourceTags } from 'types.bicep'

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Azure region.')
param location string

@description('Tags to apply.')
param tags resourceTags

@description('Days to keep logs. 30 is included in the Log Analytics price.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Refuse instrumentation-key ingestion (telemetry must carry an Entra ID token). Keep true.')
param disableLocalAuth bool = true

@description('Object ids of the managed identities that publish telemetry (the Api\'s and the Worker\'s).')
param publisherPrincipalIds string[]

// Built-in role: Monitoring Metrics Publisher (telemetry ingestion with an Entra ID token).
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Instrumentation-key ingestion is refused: the connection string then identifies the
    // component but cannot be used to write to it.
    DisableLocalAuth: disableLocalAuth
  }
}

resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in publisherPrincipalIds: {
  name: guid(appInsights.id, principalId, monitoringMetricsPublisherRoleId)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

@description('Resource id of the Log Analytics workspace.')
output workspaceId string = workspace.id

@description('Application Insights connection string: an endpoint and a component id, no usable credential (local auth is disabled).')
output appInsightsConnectionString string = appInsights.properties.ConnectionString
