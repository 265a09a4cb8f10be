// The one user-assigned managed identity that the Api and the Worker run as. Every data-plane
// permission in this deployment is granted to this identity and to nothing else.

import { resourceTags } from 'types.bicep'

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags to apply.')
param tags resourceTags

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id, for the container apps\' identity blocks.')
output id string = identity.id

@description('Client id: AZURE_CLIENT_ID for DefaultAzureCredential.')
output clientId string = identity.properties.clientId

@description('Object (principal) id: the subject of every role assignment.')
output principalId string = identity.properties.principalId
