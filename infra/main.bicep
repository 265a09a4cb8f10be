// AspireAoai on Azure: the gateway (Api) and the cost aggregator (Worker) on Container Apps, Azure
// OpenAI in two (or more) regions, Cosmos DB, Azure Managed Redis and monitoring. Every service
// credential is the one user-assigned managed identity; every data-plane permission is a role or
// access-policy assignment to it; no key, password or connection secret reaches a container.
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

@description('Gateway clients: id, SHA-256 key hash (never the key), optional allowed models and other settings the Api reads.')
param gatewayClients gatewayClient[] = []

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
  keyHash: string
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

module identity 'modules/identity.bicep' = {
  scope: rg
  name: 'identity'
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
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
    publisherPrincipalId: identity.outputs.principalId
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
    pullPrincipalId: identity.outputs.principalId
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
    callerPrincipalId: identity.outputs.principalId
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
    dataPrincipalId: identity.outputs.principalId
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
    dataPrincipalId: identity.outputs.principalId
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
    {
      name: 'Gateway__Clients__${i}__KeyHash'
      value: gatewayClients[i].keyHash
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

// The container apps themselves are not declared here: azd creates and updates them on `azd deploy`
// from AppHost/infra/api.tmpl.yaml and AppHost/infra/worker.tmpl.yaml (the Aspire AppHost is the azd
// service, see azure.yaml). Those templates read only the outputs below, by name.

// The Api's routing table and clients, as ASP.NET Core command-line configuration
// (--Gateway:Deployments:0:Name=...): the list grows with regions and clients, and a container's
// args take a whole list where its env block cannot. Names, endpoints, numbers and key hashes only.
var gatewayArgs = map(concat(deploymentEnv, clientEnv), setting => '--${replace(setting.name, '__', ':')}=${setting.value}')

// Outputs azd stores in the environment (.azure/<env>/.env). None is a secret.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = environment.outputs.id
output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = environment.outputs.defaultDomain
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = environment.outputs.name
// The identity the container apps run as and pull with (azd's conventional names for it).
output AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID string = identity.outputs.id
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
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
