// The container registry azd pushes the Api and Worker images to. No admin user: azd pushes with the
// deploying user's Entra ID token, and the container apps pull as the managed identity (AcrPull).

import { resourceTags } from 'types.bicep'

@description('Name of the registry (5-50 alphanumerics, globally unique).')
@minLength(5)
@maxLength(50)
param name string

@description('Azure region.')
param location string

@description('Tags to apply.')
param tags resourceTags

@description('Object ids of the managed identities that pull images (the Api\'s and the Worker\'s).')
param pullPrincipalIds string[]

// Built-in role: AcrPull.
var acrPullRoleId = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
  }
}

resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in pullPrincipalIds: {
  name: guid(registry.id, principalId, acrPullRoleId)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

@description('Login server, e.g. acr123.azurecr.io.')
output loginServer string = registry.properties.loginServer

@description('Name of the registry.')
output name string = registry.name

@description('Ids of the AcrPull assignments, so that the container apps are created after them.')
output pullRoleAssignmentIds string[] = [for (principalId, i) in pullPrincipalIds: pull[i].id]
