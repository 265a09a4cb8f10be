// Azure Managed Redis for the rate limiter (Lua scripts run with EVALSHA over several keys), the
// budgets' running spend and the usage stream (XADD, XREADGROUP, XACK). Access keys are disabled:
// clients authenticate with an Entra ID token of the managed identity, allowed by an access
// policy assignment.
//
// Why Azure Managed Redis: Azure Cache for Redis (Basic/Standard/Premium) is retiring and new
// tenants can no longer create it. Why the non-clustered policy: the admission script touches the
// client's and the deployment's keys in one call; under the OSS or Enterprise clustering policies
// those keys hash to different slots and the script fails with CROSSSLOT. Non-clustered serves
// caches up to 25 GB, far above what the gateway keeps.

import { resourceTags } from 'types.bicep'

@description('Name of the cache (the host is <name>.<region>.redis.azure.net).')
param name string

@description('Azure region.')
param location string

@description('Tags to apply.')
param tags resourceTags

@description('Azure Managed Redis SKU. Balanced_B0 (0.5 GB) holds the counters and a bounded usage stream.')
param skuName string = 'Balanced_B0'

@description('Replicate to a second node (SLA, survives maintenance without losing counters).')
param highAvailability bool = true

@description('Object ids of the managed identities that read and write data (the Api\'s and the Worker\'s).')
param dataPrincipalIds string[]

@description('Allow access from public networks; false when the services reach the cache through a private endpoint.')
param publicNetworkAccess bool = true

@description('Optional object id of a person given the same data access (empty: none).')
param deployerPrincipalId string = ''

// The TLS port of an Azure Managed Redis database.
var port = 10000

resource cluster 'Microsoft.Cache/redisEnterprise@2025-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: highAvailability ? 'Enabled' : 'Disabled'
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' = {
  parent: cluster
  // Azure Managed Redis has exactly one database and it must be called "default".
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: port
    clusteringPolicy: 'NoCluster'
    // Counters and budgets must not vanish under memory pressure: writes fail loudly instead (the
    // gateway then applies its Redis-unavailable policy). Memory stays bounded because every
    // window key has a TTL and the usage stream is trimmed with MAXLEN.
    evictionPolicy: 'NoEviction'
    accessKeysAuthentication: 'Disabled'
  }
}

// "default" is the only access policy Azure Managed Redis offers: data commands on every key,
// no administrative commands (CONFIG, FLUSHALL, ...). It is the narrowest grant available.
// Assignments on one database are applied one at a time.
@batchSize(1)
resource dataAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-07-01' = [for principalId in dataPrincipalIds: {
  parent: database
  name: 'svc${uniqueString(database.id, principalId)}'
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: principalId
    }
  }
}]

resource deployerAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-07-01' = if (!empty(deployerPrincipalId)) {
  parent: database
  name: 'usr${uniqueString(database.id, deployerPrincipalId)}'
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: deployerPrincipalId
    }
  }
  // Assignments on one database are applied one at a time.
  dependsOn: [
    dataAccess
  ]
}

@description('Resource id of the cache, for its private endpoint.')
output id string = cluster.id

@description('Host name of the cache.')
output hostName string = cluster.properties.hostName

@description('TLS port of the database.')
output port int = port
