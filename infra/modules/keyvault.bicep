// Key Vault for the app's three secrets. Their values are written by the
// postprovision hook (hooks/postprovision.sh), never passed through ARM
// parameters or deployment history; the Function App reads them itself at start
// with its managed identity (shared/config.py, CASAI_KEY_VAULT_URL):
//   casai-secret-key   CASAI_SECRET_KEY        generated once (64 random bytes)
//   sendgrid-api-key   CASAI_SENDGRID_API_KEY  from the operator
//   intercom-secret    CASAI_INTERCOM_SECRET   from the operator
//   intercom-access-token CASAI_INTERCOM_ACCESS_TOKEN from the operator

param name string
param location string
param tags object

@description('Disabled (the default, main.bicep privateNetworking): the Function App reads its secrets through the private endpoint. Enabled only for an environment deployed without private networking.')
@allowed([
  'Disabled'
  'Enabled'
])
param publicNetworkAccess string = 'Disabled'

@description('Deny (the default): only trusted services and the private endpoint get through. Allow only without private networking, where the Function App reads its secrets from no fixed address.')
@allowed([
  'Deny'
  'Allow'
])
param firewallDefaultAction string = 'Deny'

param logAnalyticsWorkspaceId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access by Azure RBAC role assignments only (no vault access policies to drift).
    enableRbacAuthorization: true
    // Deleted secrets and the vault itself stay recoverable for 90 days...
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // ...and nobody, not even an owner, can purge them before that.
    enablePurgeProtection: true
    // No VM, template or disk-encryption access paths to the secrets.
    enabledForDeployment: false
    enabledForTemplateDeployment: false
    enabledForDiskEncryption: false
    // No public endpoint by default: secrets are read through the VNet's private endpoint.
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      // Everything not explicitly allowed is refused, should the public endpoint be on.
      defaultAction: firewallDefaultAction
      // Trusted Azure services only; the app itself comes in through the private endpoint.
      bypass: 'AzureServices'
    }
  }
}

// Every secret read, write and failed access is logged.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: vault
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
