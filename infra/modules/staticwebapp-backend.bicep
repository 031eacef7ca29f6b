// Links the Function App as the Static Web App's /api backend. Linking also
// configures the Function App's authentication so that it accepts requests
// forwarded by this Static Web App (the "Azure Static Web Apps (Linked)"
// provider); browsers only ever see the one origin.

param staticWebAppName string
param functionAppId string
param functionAppLocation string

resource staticWebApp 'Microsoft.Web/staticSites@2024-04-01' existing = {
  name: staticWebAppName
}

resource backend 'Microsoft.Web/staticSites/linkedBackends@2024-04-01' = {
  parent: staticWebApp
  name: 'api'
  properties: {
    backendResourceId: functionAppId
    region: functionAppLocation
  }
}
