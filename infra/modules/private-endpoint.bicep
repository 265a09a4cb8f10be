// One private endpoint: a service's sub-resource (groupId) in the endpoints subnet, with its A
// record in the service's private DNS zone.

import { resourceTags } from 'types.bicep'

@description('Name of the private endpoint.')
param name string

@description('Azure region (the VNet\'s).')
param location string

@description('Tags to apply.')
param tags resourceTags

@description('Subnet the endpoint gets its address in.')
param subnetId string

@description('Resource id of the service.')
param targetId string

@description('Sub-resource of the service: account (OpenAI), Sql (Cosmos DB), redisEnterprise, vault.')
param groupId string

@description('Private DNS zone of the service.')
param zoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2024-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource dns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-07-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: groupId
        properties: {
          privateDnsZoneId: zoneId
        }
      }
    ]
  }
}
