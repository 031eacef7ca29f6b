// Optional private networking (main.bicep: privateNetworking = true).
// A VNet with two subnets: one the Function App joins (outbound VNet integration,
// all its traffic routed into the VNet) and one holding private endpoints for
// Blob, Table, SQL and Key Vault, each resolved by a private DNS zone linked to
// the VNet. SQL and Key Vault then turn their public endpoints off.

param vnetName string
param location string
param tags object

param storageAccountId string
param sqlServerId string
param keyVaultId string

param privateEndpointPrefix string

@description('Address space of the VNet.')
param addressPrefix string = '10.40.0.0/16'

@description('Subnet the Function App joins (delegated to Microsoft.App/environments).')
param appSubnetPrefix string = '10.40.0.0/24'

@description('Subnet holding the private endpoints.')
param endpointSubnetPrefix string = '10.40.1.0/24'

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'snet-app'
        properties: {
          addressPrefix: appSubnetPrefix
          // Flex Consumption joins a subnet delegated to Microsoft.App/environments.
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'snet-private-endpoints'
        properties: {
          addressPrefix: endpointSubnetPrefix
          // NSG rules and route tables apply to traffic to the private endpoints too.
          privateEndpointNetworkPolicies: 'Enabled'
        }
      }
    ]
  }
}

var endpoints = [
  {
    name: 'blob'
    target: storageAccountId
    groupId: 'blob'
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    name: 'table'
    target: storageAccountId
    groupId: 'table'
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
  {
    name: 'sql'
    target: sqlServerId
    groupId: 'sqlServer'
    zone: 'privatelink${environment().suffixes.sqlServerHostname}'
  }
  {
    name: 'vault'
    target: keyVaultId
    groupId: 'vault'
    zone: 'privatelink.vaultcore.azure.net'
  }
]

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for endpoint in endpoints: {
  name: endpoint.zone
  location: 'global'
  tags: tags
}]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [for (endpoint, i) in endpoints: {
  parent: zones[i]
  name: '${vnetName}-link'
  location: 'global'
  tags: tags
  properties: {
    // Names resolve to private addresses only inside this VNet; no auto-registration.
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2024-01-01' = [for (endpoint, i) in endpoints: {
  name: '${privateEndpointPrefix}${endpoint.name}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: vnet.properties.subnets[1].id
    }
    privateLinkServiceConnections: [
      {
        name: endpoint.name
        properties: {
          privateLinkServiceId: endpoint.target
          groupIds: [
            endpoint.groupId
          ]
        }
      }
    ]
  }
}]

resource dnsGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-01-01' = [for (endpoint, i) in endpoints: {
  parent: privateEndpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: endpoint.name
        properties: {
          privateDnsZoneId: zones[i].id
        }
      }
    ]
  }
}]

output vnetId string = vnet.id
output appSubnetId string = vnet.properties.subnets[0].id
