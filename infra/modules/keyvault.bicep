// Key Vault for the app's three secrets. Their values are written by the
// postprovision hook (hooks/postprovision.sh), never passed through ARM
// parameters or deployment history; the Function App reads them as Key Vault
// references with its managed identity:
//   casai-secret-key   CASAI_SECRET_KEY        generated once (64 random bytes)
//   sendgrid-api-key   CASAI_SENDGRID_API_KEY  from the operator
//   intercom-secret    CASAI_INTERCOM_SECRET   from the operator

param name string
param location string
param tags object

@description('Disabled with private networking: the Function App then resolves references through a private endpoint.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

param logAnalyticsWorkspaceId string

// With the public endpoint off, the firewall denies by default as well.
var firewallDefaultAction = publicNetworkAccess == 'Disabled' ? 'Deny' : 'Allow'

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
    // checkov:skip=CKV_AZURE_189: Follows the privateNetworking parameter (Disabled when true). Without a VNet the Functions platform resolves Key Vault references over the public endpoint from no fixed address (the trusted-services bypass does not cover references); every read still needs the RBAC role on this vault.
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      // checkov:skip=CKV_AZURE_109: Same as CKV_AZURE_189: Deny when privateNetworking is true; Allow otherwise, because references from a Function App without a VNet match neither an IP rule nor the AzureServices bypass (an unresolved reference would leave the app without its secrets).
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
