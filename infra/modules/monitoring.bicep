// Log Analytics workspace (every diagnostic setting and the SQL audit log land here)
// and the workspace-based Application Insights the Function App reports to.

param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object

@description('Days the workspace keeps logs; SQL audit events live here, so keep at least 90.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 90

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    // Audit and security logs stay queryable for the whole retention window.
    retentionInDays: retentionInDays
    features: {
      // Only Entra identities with RBAC can query or ingest; no shared workspace keys.
      disableLocalAuth: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Telemetry is accepted only with an Entra token (Monitoring Metrics Publisher),
    // so a leaked connection string cannot be used to write fake telemetry.
    DisableLocalAuth: true
    // Client IP addresses are masked in telemetry: personal data stays out of the logs.
    DisableIpMasking: false
  }
}

output workspaceId string = workspace.id
output workspaceName string = workspace.name
output applicationInsightsId string = appInsights.id
output applicationInsightsName string = appInsights.name
output connectionString string = appInsights.properties.ConnectionString
