// A user-assigned managed identity one service runs as (the Api and the Worker each have their own,
// so each gets only the data-plane permissions its own work needs).

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

@description('Client id: AZURE_CLIENT_ID, for ManagedIdentityCredential.')
output clientId string = identity.properties.clientId

@description('Object (principal) id: the subject of every role assignment.')
output principalId string = identity.properties.principalId
