// The API: a Python 3.11 Function App on a Flex Consumption plan, running as the
// user-assigned identity. Every CASAI_* setting of shared/config.py is an app
// setting below (tests/test_infra.py fails when one is missing) but the secrets,
// which the app reads from Key Vault itself at start (CASAI_KEY_VAULT_URL).

param planName string
param name string
param location string
param tags object

param identityId string
param identityClientId string

param storageAccountName string
param blobEndpoint string
param tableEndpoint string
param deploymentContainerName string

param applicationInsightsConnectionString string
param logAnalyticsWorkspaceId string
@description('https://<vault>.vault.azure.net/: the app reads its secrets there at start, with its identity.')
param keyVaultUri string

// Values of the app's settings (shared/config.py).
param databaseUrl string
param filesContainerName string
param revisionsContainerName string
param auditTableName string
param emailFrom string
param publicBaseUrl string
param logLevel string
param sessionIdleMinutes int
param sessionAbsoluteHours int
param intercomAppId string
param intercomTicketTypeId string
param supportEmail string

@description('Subnet for outbound VNet integration; empty when private networking is off.')
param subnetId string = ''

@description('Upper bound on instances, which bounds cost and the load on SQL.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Spread instances over availability zones; on Flex this keeps two always-ready instances per function group, which is billed while idle.')
param zoneRedundant bool = false

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux workers.
    reserved: true
    // checkov:skip=CKV_AZURE_225: A parameter (zoneRedundant), off by default: on Flex Consumption zone redundancy keeps at least two always-ready instances per function group, billed around the clock; the data tier (SQL, Storage) is zone-redundant regardless.
    zoneRedundant: zoneRedundant
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    // The one identity this app has: no system-assigned identity, no keys.
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  // checkov:skip=CKV_AZURE_212: Flex Consumption has no fixed worker count (siteConfig.numberOfWorkers); it scales per function from zero, and zone redundancy is the zoneRedundant parameter.
  // checkov:skip=CKV_AZURE_213: The platform health check (siteConfig.healthCheckPath) is not supported on Flex Consumption, and a per-minute probe of GET /api/health (SQL + Storage) would keep the serverless database from pausing; probe it from outside if wanted.
  properties: {
    serverFarmId: plan.id
    // Plain HTTP is redirected to HTTPS.
    httpsOnly: true
    // checkov:skip=CKV_AZURE_222: The Static Web App's linked backend reaches /api over the app's public endpoint (a Static Web App cannot call into a VNet); linking restricts the app to requests forwarded by that Static Web App.
    publicNetworkAccess: 'Enabled'
    // checkov:skip=CKV_AZURE_17: Browsers reach the API through the Static Web App proxy, which cannot present client certificates; callers are authenticated by the session cookie (and CSRF token) instead.
    clientCertEnabled: false
    // With privateNetworking, outbound VNet integration: Flex Consumption then sends all
    // outbound traffic (SQL, Key Vault, Storage) through the VNet.
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    siteConfig: {
      // Clients must negotiate TLS 1.2 or later, on the app and on its SCM endpoint.
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      // checkov:skip=CKV_AZURE_78: The check wants siteConfig.ftpsState, which Flex Consumption lists as deprecated: the plan has no FTP(S) endpoint at all, and code only arrives as a package in the deployment container (azd), with basic-auth publishing off below.
      // No remote debugger port.
      remoteDebuggingEnabled: false
      http20Enabled: true
      cors: {
        // No cross-origin browser calls: the SPA is served from the same origin
        // as /api (the app's own CORS handling covers configured origins).
        allowedOrigins: []
        supportCredentials: false
      }
      appSettings: [
        // The Functions host's storage, by identity: no connection string, no key.
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storageAccountName
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        // Telemetry authenticated with the identity (local auth is off on App Insights).
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: applicationInsightsConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        // shared/config.py, one entry per field.
        {
          // Refuses every local default (SQLite, Azurite, outbox, weak key) at start.
          name: 'CASAI_ENVIRONMENT'
          value: 'production'
        }
        {
          // No password in the URL: the app signs in to SQL with an Entra token for the identity.
          name: 'CASAI_DATABASE_URL'
          value: databaseUrl
        }
        {
          name: 'CASAI_STORAGE_BLOB_URL'
          value: blobEndpoint
        }
        {
          name: 'CASAI_STORAGE_TABLE_URL'
          value: tableEndpoint
        }
        {
          // Which identity azure-identity uses for SQL, Blob and Table tokens.
          name: 'CASAI_MANAGED_IDENTITY_CLIENT_ID'
          value: identityClientId
        }
        {
          name: 'CASAI_FILES_CONTAINER'
          value: filesContainerName
        }
        {
          name: 'CASAI_FILES_MAX_BYTES'
          value: '209715200'
        }
        {
          name: 'CASAI_REVISIONS_CONTAINER'
          value: revisionsContainerName
        }
        {
          name: 'CASAI_AUDIT_TABLE'
          value: auditTableName
        }
        {
          name: 'CASAI_EMAIL_BACKEND'
          value: 'sendgrid'
        }
        {
          name: 'CASAI_EMAIL_FROM'
          value: emailFrom
        }
        {
          // The secrets (CASAI_SECRET_KEY, CASAI_SENDGRID_API_KEY) are not app settings: the
          // app reads them here at start with its identity, through the private endpoint
          // when private networking is on. Flex Consumption cannot resolve Key Vault
          // references to a network-restricted vault, and a value never leaves the vault
          // for the site's configuration.
          name: 'CASAI_KEY_VAULT_URL'
          value: keyVaultUri
        }
        {
          // https only: invitation links and the session cookie's origin.
          name: 'CASAI_PUBLIC_BASE_URL'
          value: publicBaseUrl
        }
        {
          name: 'CASAI_LOG_LEVEL'
          value: logLevel
        }
        {
          // A session ends after this many idle minutes...
          name: 'CASAI_SESSION_IDLE_MINUTES'
          value: string(sessionIdleMinutes)
        }
        {
          // ...and after this many hours whatever happens.
          name: 'CASAI_SESSION_ABSOLUTE_HOURS'
          value: string(sessionAbsoluteHours)
        }
        {
          // Requests reach the app only through Azure's front ends (Static Web Apps,
          // App Service), which set X-Forwarded-For, so per-IP rate limits can use it.
          name: 'CASAI_TRUST_FORWARDED_FOR'
          value: 'true'
        }
        {
          // Behind the Static Web App's linked backend the last X-Forwarded-For entry is the
          // Static Web App's proxy; the client's is the one before (shared/forwarded.py).
          // Check it on the first deployment (infra/README.md).
          name: 'CASAI_FORWARDED_FOR_PROXIES'
          value: '1'
        }
        {
          // Every database statement ends by then (lock waits included): a stuck database
          // answers 503 well before host.json's functionTimeout of two minutes.
          name: 'CASAI_DATABASE_TIMEOUT_SECONDS'
          value: '30'
        }
        {
          name: 'CASAI_INTERCOM_APP_ID'
          value: intercomAppId
        }
        {
          name: 'CASAI_INTERCOM_TICKET_TYPE_ID'
          value: intercomTicketTypeId
        }
        {
          // https://api.eu.intercom.io for a workspace hosted in the EU.
          name: 'CASAI_INTERCOM_API_BASE_URL'
          value: 'https://api.intercom.io'
        }
        {
          // Tickets go here when Intercom is not configured or cannot take them.
          name: 'CASAI_SUPPORT_EMAIL'
          value: supportEmail
        }
        {
          name: 'CASAI_SUPPORT_HOURS'
          value: '07:30-16:30'
        }
        {
          name: 'CASAI_SUPPORT_TIMEZONE'
          value: 'Europe/Stockholm'
        }
        {
          // Audit events and closed tickets are deleted after this many days.
          name: 'CASAI_RETENTION_DAYS'
          value: '365'
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          // The package lives in a private container, read with the identity.
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Publishing with a user name and password is off for the SCM site: deployments
// authenticate with Entra (azd), so there is no publish profile to leak. There is no
// `ftp` policy: Flex Consumption has no FTP endpoint for one to govern (see ftpsState).
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// Function logs and platform metrics go to Log Analytics.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: functionApp
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'FunctionAppLogs'
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

output id string = functionApp.id
output name string = functionApp.name
output defaultHostname string = functionApp.properties.defaultHostName
