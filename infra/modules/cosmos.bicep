// Cosmos DB for NoSQL: database "aoai" with the response cache and the cost aggregates. Keys are
// disabled for data and for metadata writes: the services use Entra ID with custom data-plane roles
// assigned per container, so each identity gets only what its service does:
//   Api    - cache: read and write items; costs: read items (usage reports). The Api is on the
//            internet: it must not be able to rewrite the cost records.
//   Worker - costs: read and write items (it aggregates usage into them); no access to the cache.
// Both read the database's metadata (the SDK's container lookups, the readiness check). Containers
// are created here, not by the services (data-plane RBAC cannot create containers).

import { resourceTags } from 'types.bicep'

@description('Name of the account (3-44 lowercase letters, digits and hyphens).')
@minLength(3)
@maxLength(44)
param name string

@description('Azure region.')
param location string

@description('Tags to apply.')
param tags resourceTags

@description('Serverless (pay per request, the default) or provisioned throughput.')
param serverless bool = true

@description('Shared database throughput in RU/s when not serverless (autoscale maximum).')
@minValue(1000)
param autoscaleMaxThroughput int = 1000

@description('Object id of the Api\'s managed identity: cache read/write, costs read.')
param apiPrincipalId string

@description('Object id of the Worker\'s managed identity: costs read/write.')
param workerPrincipalId string

@description('Allow access from public networks; false when the services reach the account through a private endpoint.')
param publicNetworkAccess bool = true

@description('Optional object id of a person given read-only data access (empty: none).')
param deployerPrincipalId string = ''

var databaseName = 'aoai'

// Built-in Cosmos DB SQL data-plane role (not an Azure RBAC role), for the deployer only.
var dataReaderRoleId = '00000000-0000-0000-0000-000000000001'

var dataActionPrefix = 'Microsoft.DocumentDB/databaseAccounts'

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: serverless ? [
      {
        name: 'EnableServerless'
      }
    ] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-04-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: serverless ? {} : {
      autoscaleSettings: {
        maxThroughput: autoscaleMaxThroughput
      }
    }
  }
}

resource cache 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: 'cache'
  properties: {
    resource: {
      id: 'cache'
      partitionKey: {
        paths: [
          '/clientId'
        ]
        kind: 'Hash'
        version: 2
      }
      // TTL on, no default expiry: every cache entry carries its own ttl.
      defaultTtl: -1
    }
  }
}

resource costs 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: 'costs'
  properties: {
    resource: {
      id: 'costs'
      partitionKey: {
        paths: [
          '/clientId'
        ]
        kind: 'Hash'
        version: 2
      }
    }
  }
}

// Custom data-plane roles: items only (no stored procedures, triggers or container changes).
resource itemsReadWrite 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2025-04-15' = {
  parent: account
  name: guid(account.id, 'aoai-items-read-write')
  properties: {
    roleName: 'AspireAoai items read-write'
    type: 'CustomRole'
    assignableScopes: [
      '${account.id}/dbs/${databaseName}'
    ]
    permissions: [
      {
        dataActions: [
          '${dataActionPrefix}/readMetadata'
          '${dataActionPrefix}/sqlDatabases/containers/items/*'
          '${dataActionPrefix}/sqlDatabases/containers/executeQuery'
          '${dataActionPrefix}/sqlDatabases/containers/readChangeFeed'
        ]
      }
    ]
  }
}

resource itemsRead 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2025-04-15' = {
  parent: account
  name: guid(account.id, 'aoai-items-read')
  properties: {
    roleName: 'AspireAoai items read'
    type: 'CustomRole'
    assignableScopes: [
      '${account.id}/dbs/${databaseName}'
    ]
    permissions: [
      {
        dataActions: [
          '${dataActionPrefix}/readMetadata'
          '${dataActionPrefix}/sqlDatabases/containers/items/read'
          '${dataActionPrefix}/sqlDatabases/containers/executeQuery'
          '${dataActionPrefix}/sqlDatabases/containers/readChangeFeed'
        ]
      }
    ]
  }
}

resource metadataRead 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2025-04-15' = {
  parent: account
  name: guid(account.id, 'aoai-metadata-read')
  properties: {
    roleName: 'AspireAoai metadata read'
    type: 'CustomRole'
    assignableScopes: [
      '${account.id}/dbs/${databaseName}'
    ]
    permissions: [
      {
        dataActions: [
          '${dataActionPrefix}/readMetadata'
        ]
      }
    ]
  }
}

// Who gets which role where: one assignment per identity, role and scope.
var databaseScope = '${account.id}/dbs/${databaseName}'

resource apiCache 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, apiPrincipalId, 'cache', 'read-write')
  properties: {
    roleDefinitionId: itemsReadWrite.id
    principalId: apiPrincipalId
    scope: '${databaseScope}/colls/${cache.name}'
  }
}

resource apiCosts 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, apiPrincipalId, 'costs', 'read')
  properties: {
    roleDefinitionId: itemsRead.id
    principalId: apiPrincipalId
    scope: '${databaseScope}/colls/${costs.name}'
  }
  // One at a time: concurrent changes to one account's role assignments can fail with a conflict.
  dependsOn: [
    apiCache
  ]
}

resource apiMetadata 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, apiPrincipalId, 'database', 'metadata')
  properties: {
    roleDefinitionId: metadataRead.id
    principalId: apiPrincipalId
    scope: databaseScope
  }
  dependsOn: [
    apiCosts
  ]
}

resource workerCosts 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, workerPrincipalId, 'costs', 'read-write')
  properties: {
    roleDefinitionId: itemsReadWrite.id
    principalId: workerPrincipalId
    scope: '${databaseScope}/colls/${costs.name}'
  }
  dependsOn: [
    apiMetadata
  ]
}

resource workerMetadata 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, workerPrincipalId, 'database', 'metadata')
  properties: {
    roleDefinitionId: metadataRead.id
    principalId: workerPrincipalId
    scope: databaseScope
  }
  dependsOn: [
    workerCosts
  ]
}

resource deployerAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = if (!empty(deployerPrincipalId)) {
  parent: account
  name: guid(account.id, deployerPrincipalId, dataReaderRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataReaderRoleId}'
    principalId: deployerPrincipalId
    scope: '${account.id}/dbs/${databaseName}'
  }
  dependsOn: [
    database
    workerMetadata
  ]
}

@description('Account endpoint, https://<name>.documents.azure.com:443/: used alone as the connection string (no key).')
output endpoint string = account.properties.documentEndpoint

@description('Resource id of the account, for its private endpoint.')
output id string = account.id

@description('Name of the database.')
output databaseName string = databaseName
