// Parameters for azd: values come from the azd environment (.azure/<env>/.env and the process
// environment). Names, sizes and hashes, and one secret: the pepper, which goes straight to Key Vault.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'aoai')
param location = readEnvironmentVariable('AZURE_LOCATION', 'eastus2')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')
param grantDeployerDataAccess = bool(readEnvironmentVariable('AOAI_GRANT_DEPLOYER_DATA_ACCESS', 'false'))

// Capacity in thousands of tokens per minute, per region and deployment.
param chatCapacity = int(readEnvironmentVariable('AOAI_CHAT_CAPACITY', '50'))
param embeddingsCapacity = int(readEnvironmentVariable('AOAI_EMBEDDINGS_CAPACITY', '50'))
param openAiDeploymentSku = readEnvironmentVariable('AOAI_DEPLOYMENT_SKU', 'GlobalStandard')

// Regions in routing order, as JSON: [{"location":"eastus2"},{"location":"swedencentral","chatCapacity":100}]
param openAiRegions = json(readEnvironmentVariable('AOAI_OPENAI_REGIONS', '[{"location":"eastus2"},{"location":"swedencentral"}]'))

// Gateway clients as JSON: [{"id":"team-a","keyHash":"<HMAC-SHA256 hex>","allowedModels":["gpt-4o"]}]
param gatewayClients = json(readEnvironmentVariable('AOAI_GATEWAY_CLIENTS', '[]'))

// Optional: Entra ID (keyless) clients. The audience of the gateway's app registration (api://... or its client id)
// and its tenant (empty = the deployment's tenant); docs/security.md, "Keyless clients".
param gatewayEntraAudience = readEnvironmentVariable('AOAI_GATEWAY_ENTRA_AUDIENCE', '')
param gatewayEntraTenantId = readEnvironmentVariable('AOAI_GATEWAY_ENTRA_TENANT_ID', '')

// Required: the key-hash pepper (azd env set AOAI_KEY_HASH_PEPPER "$(openssl rand -base64 32)"). No default: a
// deployment without one would accept unpeppered hashes.
param keyHashPepper = readEnvironmentVariable('AOAI_KEY_HASH_PEPPER')

// Private endpoints for OpenAI, Cosmos DB, Redis and Key Vault, public access off on them.
param privateNetworking = bool(readEnvironmentVariable('AOAI_PRIVATE_NETWORKING', 'false'))

// Keep true: telemetry must then be sent with the managed identity's token (see docs/deploy.md).
param appInsightsDisableLocalAuth = bool(readEnvironmentVariable('AOAI_APPINSIGHTS_DISABLE_LOCAL_AUTH', 'true'))

param cosmosServerless = bool(readEnvironmentVariable('AOAI_COSMOS_SERVERLESS', 'true'))
param redisSku = readEnvironmentVariable('AOAI_REDIS_SKU', 'Balanced_B0')
param redisHighAvailability = bool(readEnvironmentVariable('AOAI_REDIS_HIGH_AVAILABILITY', 'true'))
