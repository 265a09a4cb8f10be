// Cosmos DB for NoSQL: database "aoai" with the response cache and the cost aggregates. Keys are
// disabled for data and for metadata writes: the services use Entra ID with the built-in data
// contributor role, scoped to this one database. Containers are created here, not by the services
// (data-plane RBAC cannot create containers).

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

@description('Object id of the managed identity that reads and writes data.')
param dataPrincipalId string

@description('Optional object id of a person given read-only data access (empty: none).')
param deployerPrincipalId string = ''

var databaseName = 'aoai'

// Built-in Cosmos DB SQL data-plane roles (not Azure RBAC roles).
var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'
var dataReaderRoleId = '00000000-0000-0000-0000-000000000001'

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
    publicNetworkAccess: 'Enabled'
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

resource dataAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, dataPrincipalId, dataContributorRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    principalId: dataPrincipalId
    scope: '${account.id}/dbs/${databaseName}'
  }
  dependsOn: [
    database
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
  ]
}

@description('Account endpoint, https://<name>.documents.azure.com:443/: used alone as the connection string (no key).')
output endpoint string = account.properties.documentEndpoint

@description('Name of the database.')
output databaseName string = databaseName
