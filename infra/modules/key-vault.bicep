// Key Vault holding the pepper that keys the gateway clients' key hashes (HMAC-SHA256). The Api's
// container app reads it as a Key Vault reference with the Api's identity (Key Vault Secrets User on
// this one secret); nobody else is granted data access. RBAC only, purge protection on.

import { resourceTags } from 'types.bicep'

@description('Name of the vault (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags to apply.')
param tags resourceTags

@secure()
@description('The pepper (at least 32 characters).')
@minLength(32)
param keyHashPepper string

@description('Object id of the Api\'s managed identity, the only reader of the secret.')
param readerPrincipalId string

@description('Allow access from public networks; false when the apps reach the vault through a private endpoint.')
param publicNetworkAccess bool = true

// Built-in role: Key Vault Secrets User (read secret values).
var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAcls: {
      bypass: 'None'
      defaultAction: publicNetworkAccess ? 'Allow' : 'Deny'
    }
  }
}

resource pepper 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'key-hash-pepper'
  properties: {
    value: keyHashPepper
    contentType: 'HMAC-SHA256 key of the gateway client key hashes (Gateway:KeyHashPepper)'
  }
}

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(pepper.id, readerPrincipalId, secretsUserRoleId)
  scope: pepper
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

@description('Resource id of the vault, for its private endpoint.')
output id string = vault.id

@description('URI of the pepper without a version (the app follows the latest), for the Api\'s Key Vault reference.')
output pepperUri string = '${vault.properties.vaultUri}secrets/${pepper.name}'
