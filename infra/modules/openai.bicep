// One Azure OpenAI account in one region, with a chat and an embeddings deployment. Keys are
// disabled: callers authenticate with Entra ID and need Cognitive Services OpenAI User.

import { resourceTags } from 'types.bicep'

@description('Name of the account; also its custom subdomain (<name>.openai.azure.com).')
param name string

@description('Azure region of this account.')
param location string

@description('Tags to apply.')
param tags resourceTags

@description('Deployment SKU: Standard (regional), DataZoneStandard or GlobalStandard.')
@allowed([
  'Standard'
  'DataZoneStandard'
  'GlobalStandard'
])
param deploymentSku string

@description('The chat deployment: name in the account, model name, model version, capacity in thousands of TPM.')
param chat deploymentSpec

@description('The embeddings deployment: name in the account, model name, model version, capacity in thousands of TPM.')
param embeddings deploymentSpec

@description('Object id of the managed identity that calls the account.')
param callerPrincipalId string

@description('Allow access from public networks; false when the Api reaches the account through a private endpoint.')
param publicNetworkAccess bool = true

@description('Optional object id of a person given the same data access (empty: none).')
param deployerPrincipalId string = ''

@description('Principal type of deployerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

@export()
@description('One model deployment.')
type deploymentSpec = {
  @description('Deployment name inside the account (what the URL path names).')
  name: string
  @description('Model name, e.g. gpt-4o.')
  model: string
  @description('Model version, e.g. 2024-11-20.')
  version: string
  @description('Capacity in units of 1,000 tokens per minute.')
  @minValue(1)
  capacity: int
}

// Built-in role: Cognitive Services OpenAI User (inference only; no management, no keys).
var openAiUserRoleId = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'

resource account 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    // A custom subdomain is required for Entra ID authentication.
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAcls: {
      defaultAction: publicNetworkAccess ? 'Allow' : 'Deny'
    }
  }
}

resource chatDeployment 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: chat.name
  sku: {
    name: deploymentSku
    capacity: chat.capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: chat.model
      version: chat.version
    }
    versionUpgradeOption: 'OnceCurrentVersionExpired'
    raiPolicyName: 'Microsoft.DefaultV2'
  }
}

resource embeddingsDeployment 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: embeddings.name
  // Deployments in one account are created one at a time; in parallel the second one fails.
  dependsOn: [
    chatDeployment
  ]
  sku: {
    name: deploymentSku
    capacity: embeddings.capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: embeddings.model
      version: embeddings.version
    }
    versionUpgradeOption: 'OnceCurrentVersionExpired'
    raiPolicyName: 'Microsoft.DefaultV2'
  }
}

resource callerAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, callerPrincipalId, openAiUserRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUserRoleId)
    principalId: callerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(account.id, deployerPrincipalId, openAiUserRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUserRoleId)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

@description('Inference endpoint, https://<name>.openai.azure.com/.')
output endpoint string = account.properties.endpoint

@description('Name of the account.')
output name string = account.name

@description('Resource id of the account, for its private endpoint.')
output id string = account.id
