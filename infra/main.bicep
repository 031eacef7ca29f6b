// CASAI: the whole Azure deployment for one azd environment and region.
// `azd up` provisions this, runs hooks/postprovision.sh (secrets, SQL user),
// then deploys the API (after hooks/predeploy-migrate.sh) and the SPA.
//
//   resource group  rg-<env>
//   ├─ id-*      user-assigned identity: the Function App's only credential
//   ├─ log-*     Log Analytics (all diagnostics, SQL audit) + appi-* App Insights
//   ├─ st*       Storage: project-files, schedule-revisions, app-package, table auditevents
//   ├─ sql-*     Azure SQL server (Entra-only) + sqldb-* serverless database
//   ├─ kv-*      Key Vault (RBAC): casai-secret-key, sendgrid-api-key, intercom-secret, intercom-access-token
//   ├─ plan-*    Flex Consumption plan + func-* Function App (Python 3.11)
//   ├─ stapp-*   Static Web App for web/, /api linked to the Function App
//   └─ vnet-*    privateNetworking (the default): VNet, private endpoints, private DNS
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; salts every resource name and tags every resource.')
param environmentName string

@minLength(1)
@description('Region for every resource except the Static Web App: one that offers Flex Consumption (the list of Azure-Samples/functions-quickstart-python-http-azd).')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Static Web Apps run in a few regions only; pick the one nearest to location.')
@allowed([
  'westeurope'
  'centralus'
  'eastus2'
  'westus2'
  'eastasia'
])
param staticWebAppLocation string = 'westeurope'

@description('Object id of whoever runs azd (AZURE_PRINCIPAL_ID): made SQL Entra admin unless sqlAdminObjectId is set, and Key Vault Secrets Officer.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Object id of the SQL Entra administrator when it should not be the deployer: a group the deployers belong to. Required when a service principal deploys (hooks/preprovision.sh): Azure SQL identifies an application admin by its client id, which azd does not know.')
param sqlAdminObjectId string = ''

// No 'Application': an application admin is named by its client (application) id, not
// the object id this parameter takes; a service principal joins as a group member.
@allowed([
  'User'
  'Group'
])
@description('Kind of principal sqlAdminObjectId names.')
param sqlAdminPrincipalType string = 'Group'

@description('Display name recorded for the SQL Entra administrator.')
param sqlAdminLogin string = 'casai-sql-admins'

@minLength(3)
@description('Sender of every e-mail (CASAI_EMAIL_FROM), e.g. "CASAI <no-reply@example.se>"; the domain must be verified in SendGrid.')
param emailFrom string

@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
])
param logLevel string = 'INFO'

@description('Minutes of inactivity after which a session ends (CASAI_SESSION_IDLE_MINUTES).')
@minValue(1)
param sessionIdleMinutes int = 60

@description('Hours after sign-in at which a session ends regardless (CASAI_SESSION_ABSOLUTE_HOURS).')
@minValue(1)
param sessionAbsoluteHours int = 12

@description('Intercom workspace (app) id for the support chat; empty until Intercom is set up.')
param intercomAppId string = ''

@description('Intercom ticket type that support tickets are created as (INTERCOM_TICKET_TYPE_ID); needed with intercomAppId.')
param intercomTicketTypeId string = ''

@minLength(3)
@description('Address that receives support tickets when Intercom is not set up or cannot take them (CASAI_SUPPORT_EMAIL).')
param supportEmail string

@description('Comma-separated addresses that receive Microsoft Defender for SQL alerts (SQL_ALERT_EMAILS), besides the subscription admins and owners; e.g. the security team.')
param securityAlertEmails string = ''

@description('On by default: private endpoints for Storage, SQL and Key Vault and VNet integration for the Function App; SQL and Key Vault public endpoints off. Off (PRIVATE_NETWORKING=false) is a cheaper development environment whose SQL and Key Vault keep public endpoints behind Entra authentication (infra/README.md, Private networking).')
param privateNetworking bool = true

@description('Upper bound on Function App instances.')
param functionMaximumInstanceCount int = 40

@description('Serverless SQL upper bound in vCores.')
param sqlMaxVCores int = 2

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'casai'
}

// Names the app's settings use (CASAI_FILES_CONTAINER, ...); defined once here.
var filesContainerName = 'project-files'
var revisionsContainerName = 'schedule-revisions'
var auditTableName = 'auditevents'
var deploymentContainerName = 'app-package'
var sqlDatabaseName = '${abbrs.sqlServersDatabases}casai'

// 'a@x.se, b@x.se' -> ['a@x.se', 'b@x.se'] (addresses contain no spaces).
var alertEmails = empty(securityAlertEmails) ? [] : split(replace(securityAlertEmails, ' ', ''), ',')

var sqlAdminId = empty(sqlAdminObjectId) ? principalId : sqlAdminObjectId
// The deployer is made admin only as a user; preprovision.sh stops a service principal
// that brings no group (an object id where SQL wants a client id would lock it out).
var sqlAdminType = empty(sqlAdminObjectId) ? 'User' : sqlAdminPrincipalType

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module staticWebApp 'modules/staticwebapp.bicep' = {
  name: 'static-web-app'
  scope: rg
  params: {
    name: '${abbrs.webStaticSites}${resourceToken}'
    location: staticWebAppLocation
    tags: tags
  }
}

var publicBaseUrl = 'https://${staticWebApp.outputs.defaultHostname}'

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    filesContainerName: filesContainerName
    revisionsContainerName: revisionsContainerName
    auditTableName: auditTableName
    deploymentContainerName: deploymentContainerName
    allowedOrigin: publicBaseUrl
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module sql 'modules/sql.bicep' = {
  name: 'sql'
  scope: rg
  params: {
    serverName: '${abbrs.sqlServers}${resourceToken}'
    databaseName: sqlDatabaseName
    location: location
    tags: tags
    adminLogin: sqlAdminLogin
    adminObjectId: sqlAdminId
    adminPrincipalType: sqlAdminType
    // Without private networking the public endpoint is the only way in.
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    securityAlertEmails: alertEmails
    maxVCores: sqlMaxVCores
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    // Without private networking the Function App reads its secrets from no fixed
    // address, so the vault must admit any network (the RBAC role still gates reads).
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    firewallDefaultAction: privateNetworking ? 'Deny' : 'Allow'
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module roles 'modules/roles.bicep' = {
  name: 'role-assignments'
  scope: rg
  params: {
    identityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  scope: rg
  params: {
    vnetName: '${abbrs.networkVirtualNetworks}${resourceToken}'
    location: location
    tags: tags
    storageAccountId: storage.outputs.id
    sqlServerId: sql.outputs.id
    keyVaultId: keyVault.outputs.id
    privateEndpointPrefix: '${abbrs.networkPrivateEndpoints}${resourceToken}-'
  }
}

// The identity signs in to SQL with an Entra token (azure-identity); no password.
var databaseUrl = 'mssql+pyodbc://@${sql.outputs.serverFqdn}/${sql.outputs.databaseName}?driver=ODBC+Driver+18+for+SQL+Server&Encrypt=yes'

module functionApp 'modules/functionapp.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    planName: '${abbrs.webServerFarms}${resourceToken}'
    name: '${abbrs.webSitesFunctions}api-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    keyVaultUri: keyVault.outputs.uri
    databaseUrl: databaseUrl
    filesContainerName: filesContainerName
    revisionsContainerName: revisionsContainerName
    auditTableName: auditTableName
    emailFrom: emailFrom
    publicBaseUrl: publicBaseUrl
    logLevel: logLevel
    sessionIdleMinutes: sessionIdleMinutes
    sessionAbsoluteHours: sessionAbsoluteHours
    intercomAppId: intercomAppId
    intercomTicketTypeId: intercomTicketTypeId
    supportEmail: supportEmail
    subnetId: privateNetworking ? network.outputs.appSubnetId : ''
    maximumInstanceCount: functionMaximumInstanceCount
  }
  // The identity must hold its roles before the host first starts.
  dependsOn: [
    roles
  ]
}

module staticWebAppBackend 'modules/staticwebapp-backend.bicep' = {
  name: 'static-web-app-backend'
  scope: rg
  params: {
    staticWebAppName: staticWebApp.outputs.name
    functionAppId: functionApp.outputs.id
    functionAppLocation: location
  }
}

// Read by azd (services, hooks) and by anyone running `azd env get-values`.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_STATIC_WEB_APP_NAME string = staticWebApp.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_SQL_SERVER_NAME string = sql.outputs.serverName
output AZURE_SQL_SERVER_FQDN string = sql.outputs.serverFqdn
output AZURE_SQL_DATABASE_NAME string = sql.outputs.databaseName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output CASAI_DATABASE_URL string = databaseUrl
output CASAI_PUBLIC_BASE_URL string = publicBaseUrl
output AZURE_PRIVATE_NETWORKING bool = privateNetworking
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_WEB_NAME string = staticWebApp.outputs.name
