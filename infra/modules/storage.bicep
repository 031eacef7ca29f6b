// One storage account for the app's data and the Functions host:
//   blob  project-files       attachments (browser up/download by user-delegation SAS)
//   blob  schedule-revisions  frozen revision snapshots and exports
//   blob  app-package         Flex Consumption deployment packages
//   table auditevents         the append-only audit trail
// (the Functions host adds its own azure-webjobs-* containers at start).
// No account keys exist for anyone to use: every request carries an Entra token
// or a user-delegation SAS, which can only be minted with an Entra token.

param name string
param location string
param tags object

param filesContainerName string
param revisionsContainerName string
param auditTableName string
param deploymentContainerName string

@description('The single browser origin allowed to call Blob storage with SAS URLs (the Static Web App).')
param allowedOrigin string

param logAnalyticsWorkspaceId string

@description('Days deleted blobs, containers and previous versions stay recoverable.')
@minValue(7)
@maxValue(365)
param softDeleteDays int = 30

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    // Geo-zone-redundant: three zones in the region plus a copy in the paired region.
    name: 'Standard_GZRS'
  }
  properties: {
    accessTier: 'Hot'
    // checkov:skip=CKV_AZURE_35: Browsers upload and download attachments directly with short-lived user-delegation SAS URLs, so the blob endpoint must accept public traffic; no keys exist, so every request still needs Entra or a UD-SAS.
    // checkov:skip=CKV_AZURE_59: Same reason as CKV_AZURE_35: the browser SAS transfer path needs the public endpoint; anonymous and key access are both off.
    // Reachable from browsers for SAS transfers; authorisation, not the network, is the gate here.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // No IP allow-list is possible for browsers anywhere; keys and anonymous access are off below.
      defaultAction: 'Allow'
      // Azure Monitor and other trusted services may still deliver to the account.
      bypass: 'AzureServices'
    }
    // No account keys or key-signed SAS: only Entra tokens and user-delegation SAS work.
    allowSharedKeyAccess: false
    // The portal and tools default to Entra authorisation, never keys.
    defaultToOAuthAuthentication: true
    // No container can ever be made anonymously readable.
    allowBlobPublicAccess: false
    // Plain HTTP is refused; data is encrypted in transit.
    supportsHttpsTrafficOnly: true
    // Clients must negotiate TLS 1.2 or later.
    minimumTlsVersion: 'TLS1_2'
    // Objects cannot be replicated into another tenant's account.
    allowCrossTenantReplication: false
    // Copy operations only from accounts in this Entra tenant.
    allowedCopyScope: 'AAD'
    encryption: {
      // A second, infrastructure-level AES-256 layer under the service encryption.
      requireInfrastructureEncryption: true
      keySource: 'Microsoft.Storage'
      services: {
        blob: {
          // Blobs encrypted at rest (AES-256, Microsoft-managed keys).
          enabled: true
          keyType: 'Account'
        }
        table: {
          // Table entities (the audit trail) encrypted at rest with the account-scoped key.
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // Overwritten blobs keep their previous versions: a bad write can be undone.
    isVersioningEnabled: true
    // Deleted blobs stay recoverable for softDeleteDays.
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    // Deleted containers stay recoverable for softDeleteDays.
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    // Browsers move project files themselves: PUT to an upload SAS URL, GET a download
    // SAS URL, straight to this account (the app never relays the bytes), so the blob
    // service must answer the SPA's CORS preflights. Azurite gets the same rule from
    // shared/storage.py (ensure_resources).
    cors: {
      corsRules: [
        {
          // Only the SPA's origin may use SAS URLs from a browser.
          allowedOrigins: [
            allowedOrigin
          ]
          allowedMethods: [
            'GET'
            'HEAD'
            'PUT'
            'OPTIONS'
          ]
          allowedHeaders: [
            'content-type'
            'content-length'
            'content-md5'
            'x-ms-blob-type'
            'x-ms-blob-content-type'
            'x-ms-blob-content-disposition'
            'x-ms-client-request-id'
            'x-ms-version'
            'x-ms-date'
          ]
          exposedHeaders: [
            'content-length'
            'content-type'
            'content-disposition'
            'etag'
            'last-modified'
            'x-ms-request-id'
            'x-ms-version'
          ]
          maxAgeInSeconds: 3600
        }
      ]
    }
  }
}

resource filesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: filesContainerName
  properties: {
    // Private: reachable only with Entra or a user-delegation SAS for one blob.
    publicAccess: 'None'
  }
}

resource revisionsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: revisionsContainerName
  properties: {
    // Private: reachable only with Entra or a user-delegation SAS for one blob.
    publicAccess: 'None'
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    // Private: the code package is read by the platform with the app's identity only.
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    cors: {
      // The browser never talks to Table storage.
      corsRules: []
    }
  }
}

resource auditTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: auditTableName
}

// Versioning keeps every overwritten blob; previous versions are deleted after
// 90 days so they do not accumulate cost forever.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-previous-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
            }
            actions: {
              version: {
                delete: {
                  daysAfterCreationGreaterThan: 90
                }
              }
            }
          }
        }
      ]
    }
  }
}

// Who read, wrote or deleted which blob or table entity: the storage side of the audit trail.
resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: blobService
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: tableService
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output tableEndpoint string = account.properties.primaryEndpoints.table
