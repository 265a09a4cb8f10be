// Private networking (main.bicep's privateNetworking=true): a VNet with a subnet the Container Apps
// environment runs in and a subnet for private endpoints, and one private DNS zone per service kind,
// linked to the VNet, so the services' usual host names resolve to private addresses from the apps.

import { resourceTags } from 'types.bicep'

@description('Name of the virtual network.')
param name string

@description('Azure region.')
param location string

@description('Tags to apply.')
param tags resourceTags

@description('Address space of the VNet.')
param addressPrefix string = '10.20.0.0/16'

// Private DNS zones of the services reached through private endpoints (Azure public cloud names), in
// the order of the outputs below.
var zoneNames = [
  'privatelink.openai.azure.com'
  'privatelink.documents.azure.com'
  'privatelink.redis.azure.net'
  'privatelink.vaultcore.azure.net'
]

resource vnet 'Microsoft.Network/virtualNetworks@2024-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        // A workload-profiles environment needs a subnet of at least /27 delegated to it.
        name: 'container-apps'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 23, 0)
          delegations: [
            {
              name: 'container-apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 2)
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for zone in zoneNames: {
  name: zone
  location: 'global'
  tags: tags
}]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (zone, i) in zoneNames: {
  parent: zones[i]
  name: 'link-${name}'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}]

@description('Subnet of the Container Apps environment.')
output appsSubnetId string = vnet.properties.subnets[0].id

@description('Subnet of the private endpoints.')
output endpointsSubnetId string = vnet.properties.subnets[1].id

@description('Private DNS zone of Azure OpenAI.')
output openAiZoneId string = zones[0].id

@description('Private DNS zone of Cosmos DB.')
output cosmosZoneId string = zones[1].id

@description('Private DNS zone of Azure Managed Redis.')
output redisZoneId string = zones[2].id

@description('Private DNS zone of Key Vault.')
output keyVaultZoneId string = zones[3].id
