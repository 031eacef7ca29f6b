// The Function App's one identity. Every data-plane grant (Storage, Key Vault,
// Application Insights, the SQL database user) names this identity, never keys.

@description('Name of the user-assigned managed identity.')
param name string

param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
