// The SPA in web/. Its default hostname is the app's public origin
// (CASAI_PUBLIC_BASE_URL, Storage CORS); /api on that origin is proxied to the
// Function App by the linked backend (staticwebapp-backend.bicep), so the
// session cookie is first-party and same-site.

param name string
param location string
param tags object

resource staticWebApp 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'web' })
  sku: {
    // Standard is the tier that can link a Function App as its /api backend.
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    // No preview environments: unreviewed builds never get a public URL that
    // talks to the production API and its same-site session cookie.
    stagingEnvironmentPolicy: 'Disabled'
    // azd uploads the built files with the deployment token; no repository link.
    provider: 'Custom'
    allowConfigFileUpdates: true
    buildProperties: {
      skipGithubActionWorkflowGeneration: true
    }
  }
}

output id string = staticWebApp.id
output name string = staticWebApp.name
output defaultHostname string = staticWebApp.properties.defaultHostname
