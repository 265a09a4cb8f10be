// AspireAoai on Azure: the gateway (Api) and the cost aggregator (Worker) on Container Apps, Azure
// OpenAI in two (or more) regions, Cosmos DB, Azure Managed Redis and monitoring. Each service runs as
// its own user-assigned managed identity; every data-plane permission is a role or access-policy
// assignment to one of them, scoped to what that service does; no key, password or connection secret
// reaches a container. The one secret, the pepper of the client key hashes, is a Key Vault secret the
// Api reads by reference.
targetScope = 'subscription'

@description('Name of the azd environment; names the resource group and seeds resource names.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Region of the resource group, the container apps, Cosmos DB, Redis and monitoring.')
@minLength(1)
param location string

@description('Object id of the person running azd (AZURE_PRINCIPAL_ID). Used only when grantDeployerDataAccess is true.')
param principalId string = ''

@description('Principal type of principalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Give principalId data access (OpenAI User, Cosmos read-only, Redis) to debug with a local run. Off by default.')
param grantDeployerDataAccess bool = false

@description('Azure OpenAI regions in routing order: the first gets priority 1, the second priority 2, and so on.')
@minLength(1)
param openAiRegions openAiRegion[] = [
  {
    location: 'eastus2'
  }
  {
    location: 'swedencentral'
  }
]

@description('Azure OpenAI deployment type. GlobalStandard has the widest model availability; Standard or DataZoneStandard keep processing in the region or data zone.')
@allowed([
  'Standard'
  'DataZoneStandard'
  'GlobalStandard'
])
param openAiDeploymentSku string = 'GlobalStandard'

@description('Chat deployment capacity per region, in thousands of tokens per minute (regions may override).')
@minValue(1)
param chatCapacity int = 50

@description('Embeddings deployment capacity per region, in thousands of tokens per minute (regions may override).')
@minValue(1)
param embeddingsCapacity int = 50

@description('Chat model and version.')
param chatModel modelSpec = {
  name: 'gpt-4o'
  version: '2024-11-20'
}

@description('Embeddings model and version.')
param embeddingsModel modelSpec = {
  name: 'text-embedding-3-large'
  version: '1'
}

@description('Cosmos DB serverless (default) or provisioned autoscale throughput.')
param cosmosServerless bool = true

@description('Azure Managed Redis SKU.')
param redisSku string = 'Balanced_B0'

@description('Azure Managed Redis high availability (a replica node; doubles the price).')
param redisHighAvailability bool = true

@description('Application Insights refuses instrumentation-key ingestion. Keep true; false only until the services send telemetry with their token.')
param appInsightsDisableLocalAuth bool = true

@description('Gateway clients: id, key hash (HMAC-SHA256 with keyHashPepper; never the key), optional allowed models and other settings the Api reads.')
param gatewayClients gatewayClient[] = []

@secure()
@minLength(32)
@description('Secret that keys the client key hashes (HMAC-SHA256), e.g. openssl rand -base64 32. Stored in Key Vault; the Api reads it by reference.')
param keyHashPepper string

@description('Entra ID (keyless) client auth: the audience of the gateway\'s app registration (its application id URI, e.g. api://aspireaoai-gateway, or client id). Empty (the default) = gateway keys only.')
param gatewayEntraAudience string = ''

@description('The tenant whose tokens the gateway accepts when gatewayEntraAudience is set; empty = the deployment\'s own tenant.')
param gatewayEntraTenantId string = ''

@description('Private networking: VNet-integrated Container Apps environment, private endpoints and DNS zones for Azure OpenAI, Cosmos DB, Redis and Key Vault, and public network access off on all four.')
param privateNetworking bool = false

@description('Address space of the VNet when privateNetworking is true.')
param vnetAddressPrefix string = '10.20.0.0/16'

@description('Api replicas: minimum.')
@minValue(0)
param apiMinReplicas int = 1

@description('Api replicas: maximum.')
@minValue(1)
param apiMaxReplicas int = 10

@description('Concurrent requests per Api replica before Container Apps adds one (streams are long-lived, so this is high).')
@minValue(1)
param apiHttpConcurrency int = 100

@description('Worker replicas (consumers in one Redis consumer group).')
@minValue(1)
param workerReplicas int = 1

@description('One Azure OpenAI region.')
type openAiRegion = {
  @description('Azure region, e.g. eastus2.')
  location: string
  @description('Override of chatCapacity for this region.')
  chatCapacity: int?
  @description('Override of embeddingsCapacity for this region.')
  embeddingsCapacity: int?
  @description('Weight among deployments of the same priority (default 1).')
  weight: int?
}

@description('A model name and version.')
type modelSpec = {
  name: string
  version: string
}

@description('A gateway client. keyHash is the hash the Api compares against, never the key itself.')
type gatewayClient = {
  id: string
  @description('Absent for a keyless client (one reached with Entra ID tokens: settings EntraId__AppIds__0, EntraId__ObjectIds__0 or EntraId__Roles__0).')
  keyHash: string?
  allowedModels: string[]?
  @description('Other scalar settings of the client, passed as Gateway__Clients__{i}__{name}.')
  settings: {
    *: string
  }?
}

var tags = {
  'azd-env-name': environmentName
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))

// Requests per minute that Azure OpenAI grants per 1,000 TPM of capacity, for both models.
var rpmPerThousandTpm = 6

var deployerPrincipalId = grantDeployerDataAccess ? principalId : ''

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

// One identity per service: the internet-facing Api must not hold the Worker's rights (writing cost
// records), and the Worker needs none of the Api's (OpenAI, the cache, the pepper).
module apiIdentity 'modules/identity.bicep' = {
  scope: rg
  name: 'identity-api'
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module workerIdentity 'modules/identity.bicep' = {
  scope: rg
  name: 'identity-worker'
  params: {
    name: 'id-worker-${resourceToken}'
    location: location
    tags: tags
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  scope: rg
  name: 'network'
  params: {
    name: 'vnet-${resourceToken}'
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
  }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    publisherPrincipalIds: [
      apiIdentity.outputs.principalId
      workerIdentity.outputs.principalId
    ]
    disableLocalAuth: appInsightsDisableLocalAuth
  }
}

module registry 'modules/registry.bicep' = {
  scope: rg
  name: 'registry'
  params: {
    name: 'cr${resourceToken}'
    location: location
    tags: tags
    pullPrincipalIds: [
      apiIdentity.outputs.principalId
      workerIdentity.outputs.principalId
    ]
  }
}

module openAi 'modules/openai.bicep' = [for (region, i) in openAiRegions: {
  scope: rg
  name: 'openai-${region.location}'
  params: {
    name: 'oai-${resourceToken}-${region.location}'
    location: region.location
    tags: tags
    deploymentSku: openAiDeploymentSku
    chat: {
      name: chatModel.name
      model: chatModel.name
      version: chatModel.version
      capacity: region.?chatCapacity ?? chatCapacity
    }
    embeddings: {
      name: embeddingsModel.name
      model: embeddingsModel.name
      version: embeddingsModel.version
      capacity: region.?embeddingsCapacity ?? embeddingsCapacity
    }
    callerPrincipalId: apiIdentity.outputs.principalId
    publicNetworkAccess: !privateNetworking
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: principalType
  }
}]

module cosmos 'modules/cosmos.bicep' = {
  scope: rg
  name: 'cosmos'
  params: {
    name: 'cosmos-${resourceToken}'
    location: location
    tags: tags
    serverless: cosmosServerless
    apiPrincipalId: apiIdentity.outputs.principalId
    workerPrincipalId: workerIdentity.outputs.principalId
    publicNetworkAccess: !privateNetworking
    deployerPrincipalId: deployerPrincipalId
  }
}

module redis 'modules/redis.bicep' = {
  scope: rg
  name: 'redis'
  params: {
    name: 'redis-${resourceToken}'
    location: location
    tags: tags
    skuName: redisSku
    highAvailability: redisHighAvailability
    dataPrincipalIds: [
      apiIdentity.outputs.principalId
      workerIdentity.outputs.principalId
    ]
    publicNetworkAccess: !privateNetworking
    deployerPrincipalId: deployerPrincipalId
  }
}

module environment 'modules/container-apps-environment.bicep' = {
  scope: rg
  name: 'container-apps-environment'
  params: {
    name: 'cae-${resourceToken}'
    location: location
    tags: tags
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    vnetIntegration: privateNetworking
    infrastructureSubnetId: privateNetworking ? network!.outputs.appsSubnetId : ''
  }
}

module keyVault 'modules/key-vault.bicep' = {
  scope: rg
  name: 'key-vault'
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    keyHashPepper: keyHashPepper
    readerPrincipalId: apiIdentity.outputs.principalId
    publicNetworkAccess: !privateNetworking
  }
}

// Private endpoints, one per service instance, each with its record in the service's private DNS zone.
module openAiEndpoints 'modules/private-endpoint.bicep' = [for (region, i) in (privateNetworking ? openAiRegions : []): {
  scope: rg
  name: 'pe-oai-${region.location}'
  params: {
    name: 'pe-oai-${resourceToken}-${region.location}'
    location: location
    tags: tags
    subnetId: network!.outputs.endpointsSubnetId
    targetId: openAi[i].outputs.id
    groupId: 'account'
    zoneId: network!.outputs.openAiZoneId
  }
}]

module cosmosEndpoint 'modules/private-endpoint.bicep' = if (privateNetworking) {
  scope: rg
  name: 'pe-cosmos'
  params: {
    name: 'pe-cosmos-${resourceToken}'
    location: location
    tags: tags
    subnetId: network!.outputs.endpointsSubnetId
    targetId: cosmos.outputs.id
    groupId: 'Sql'
    zoneId: network!.outputs.cosmosZoneId
  }
}

module redisEndpoint 'modules/private-endpoint.bicep' = if (privateNetworking) {
  scope: rg
  name: 'pe-redis'
  params: {
    name: 'pe-redis-${resourceToken}'
    location: location
    tags: tags
    subnetId: network!.outputs.endpointsSubnetId
    targetId: redis.outputs.id
    groupId: 'redisEnterprise'
    zoneId: network!.outputs.redisZoneId
  }
}

module keyVaultEndpoint 'modules/private-endpoint.bicep' = if (privateNetworking) {
  scope: rg
  name: 'pe-kv'
  params: {
    name: 'pe-kv-${resourceToken}'
    location: location
    tags: tags
    subnetId: network!.outputs.endpointsSubnetId
    targetId: keyVault.outputs.id
    groupId: 'vault'
    zoneId: network!.outputs.keyVaultZoneId
  }
}

// The Api's routing table: for each region (in priority order) a chat and an embeddings deployment.
// Endpoints follow from the account names (the custom subdomains), so the list is known before
// the accounts exist.
var gatewayDeployments = flatten(map(range(0, length(openAiRegions)), i => [
  {
    name: '${openAiRegions[i].location}-${chatModel.name}'
    endpoint: 'https://oai-${resourceToken}-${openAiRegions[i].location}.openai.azure.com/'
    deployment: chatModel.name
    model: chatModel.name
    region: openAiRegions[i].location
    priority: i + 1
    weight: openAiRegions[i].?weight ?? 1
    capacityTpm: (openAiRegions[i].?chatCapacity ?? chatCapacity) * 1000
    capacityRpm: (openAiRegions[i].?chatCapacity ?? chatCapacity) * rpmPerThousandTpm
  }
  {
    name: '${openAiRegions[i].location}-${embeddingsModel.name}'
    endpoint: 'https://oai-${resourceToken}-${openAiRegions[i].location}.openai.azure.com/'
    deployment: embeddingsModel.name
    model: embeddingsModel.name
    region: openAiRegions[i].location
    priority: i + 1
    weight: openAiRegions[i].?weight ?? 1
    capacityTpm: (openAiRegions[i].?embeddingsCapacity ?? embeddingsCapacity) * 1000
    capacityRpm: (openAiRegions[i].?embeddingsCapacity ?? embeddingsCapacity) * rpmPerThousandTpm
  }
]))

var deploymentEnv = flatten(map(range(0, length(gatewayDeployments)), i => [
  {
    name: 'Gateway__Deployments__${i}__Name'
    value: gatewayDeployments[i].name
  }
  {
    name: 'Gateway__Deployments__${i}__Endpoint'
    value: gatewayDeployments[i].endpoint
  }
  {
    name: 'Gateway__Deployments__${i}__Deployment'
    value: gatewayDeployments[i].deployment
  }
  {
    name: 'Gateway__Deployments__${i}__Model'
    value: gatewayDeployments[i].model
  }
  {
    name: 'Gateway__Deployments__${i}__Region'
    value: gatewayDeployments[i].region
  }
  {
    name: 'Gateway__Deployments__${i}__Priority'
    value: string(gatewayDeployments[i].priority)
  }
  {
    name: 'Gateway__Deployments__${i}__Weight'
    value: string(gatewayDeployments[i].weight)
  }
  {
    name: 'Gateway__Deployments__${i}__CapacityTpm'
    value: string(gatewayDeployments[i].capacityTpm)
  }
  {
    name: 'Gateway__Deployments__${i}__CapacityRpm'
    value: string(gatewayDeployments[i].capacityRpm)
  }
]))

var clientEnv = flatten(map(range(0, length(gatewayClients)), i => concat(
  [
    {
      name: 'Gateway__Clients__${i}__Id'
      value: gatewayClients[i].id
    }
  ],
  empty(gatewayClients[i].?keyHash ?? '') ? [] : [
    {
      name: 'Gateway__Clients__${i}__KeyHash'
      value: gatewayClients[i].keyHash!
    }
  ],
  map(range(0, length(gatewayClients[i].?allowedModels ?? [])), j => {
    name: 'Gateway__Clients__${i}__AllowedModels__${j}'
    value: gatewayClients[i].allowedModels![j]
  }),
  map(items(gatewayClients[i].?settings ?? {}), setting => {
    name: 'Gateway__Clients__${i}__${setting.key}'
    value: setting.value
  })
)))

// Entra ID client auth (Api/Auth/Entra): only when the gateway's app registration audience is given.
var entraEnv = empty(gatewayEntraAudience) ? [] : [
  {
    name: 'Gateway__EntraId__Enabled'
    value: 'true'
  }
  {
    name: 'Gateway__EntraId__TenantId'
    value: empty(gatewayEntraTenantId) ? tenant().tenantId : gatewayEntraTenantId
  }
  {
    name: 'Gateway__EntraId__Audiences__0'
    value: gatewayEntraAudience
  }
]

// The container apps themselves are not declared here: azd creates and updates them on `azd deploy`
// from AppHost/infra/api.tmpl.yaml and AppHost/infra/worker.tmpl.yaml (the Aspire AppHost is the azd
// service, see azure.yaml). Those templates read only the outputs below, by name.

// The Api's routing table and clients, as ASP.NET Core command-line configuration
// (--Gateway:Deployments:0:Name=...): the list grows with regions and clients, and a container's
// args take a whole list where its env block cannot. Names, endpoints, numbers and key hashes only.
var gatewayArgs = map(concat(deploymentEnv, clientEnv, entraEnv), setting => '--${replace(setting.name, '__', ':')}=${setting.value}')

// Outputs azd stores in the environment (.azure/<env>/.env). None is a secret.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = environment.outputs.id
output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = environment.outputs.defaultDomain
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = environment.outputs.name
// The identities the container apps run as and pull with: the Api's and the Worker's.
output API_MANAGED_IDENTITY_ID string = apiIdentity.outputs.id
output API_MANAGED_IDENTITY_CLIENT_ID string = apiIdentity.outputs.clientId
output WORKER_MANAGED_IDENTITY_ID string = workerIdentity.outputs.id
output WORKER_MANAGED_IDENTITY_CLIENT_ID string = workerIdentity.outputs.clientId
// A Key Vault secret's URI, not its value: the Api's container app resolves it with the Api's identity.
output AZURE_KEY_HASH_PEPPER_URI string = keyVault.outputs.pepperUri
output AZURE_OPENAI_ENDPOINTS string[] = [for (region, i) in openAiRegions: openAi[i].outputs.endpoint]
// ConnectionStrings__cosmos: the account endpoint alone, no AccountKey (the services use the identity).
output AZURE_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output AZURE_REDIS_HOST string = redis.outputs.hostName
// ConnectionStrings__redis: no password; Redis__UseEntraId=true makes the client send a token.
output AZURE_REDIS_ENDPOINT string = '${redis.outputs.hostName}:${redis.outputs.port},ssl=true,abortConnect=false'
// Not a credential: the component refuses key-based ingestion (DisableLocalAuth); telemetry is
// sent with the identity's token. (With appInsightsDisableLocalAuth=false it would still only write telemetry.)
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.appInsightsConnectionString
output SERVICE_API_GATEWAY_ARGS string[] = gatewayArgs
output SERVICE_API_MIN_REPLICAS int = apiMinReplicas
output SERVICE_API_MAX_REPLICAS int = apiMaxReplicas
output SERVICE_API_HTTP_CONCURRENCY int = apiHttpConcurrency
output SERVICE_WORKER_REPLICAS int = workerReplicas
