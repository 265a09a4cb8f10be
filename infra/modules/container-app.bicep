// One service (the Api or the Worker) as a container app running as the shared managed identity.
// Every environment variable is a plain value: endpoints, names and ids. No secrets block exists,
// because the services hold no secrets: they authenticate with Entra ID tokens.

import { resourceTags } from 'types.bicep'

@description('Name of the container app.')
param name string

@description('Azure region.')
param location string

@description('Tags to apply (azd-service-name must be among them so azd deploy finds the app).')
param tags resourceTags

@description('Resource id of the Container Apps environment.')
param environmentId string

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Login server of the registry the image is pulled from, as the managed identity.')
param registryServer string

@description('Image to run; empty before the first azd deploy, when a placeholder runs instead.')
param image string

@description('Environment variables: objects with name and value. Values must not be secrets.')
param env envVar[]

@description('Port the ASP.NET Core app listens on (8080 in .NET container images).')
param targetPort int = 8080

@description('external: reachable from the internet over HTTPS; internal: only inside the environment; none: no ingress.')
@allowed([
  'external'
  'internal'
  'none'
])
param ingress string

@description('Smallest number of replicas.')
@minValue(0)
param minReplicas int

@description('Largest number of replicas.')
@minValue(1)
param maxReplicas int

@description('Concurrent HTTP requests per replica that trigger a scale-out; 0 adds no HTTP scale rule.')
@minValue(0)
param httpConcurrency int = 0

@description('vCPU per replica.')
param cpu string = '0.5'

@description('Memory per replica (must match the cpu: 0.5 vCPU goes with 1Gi).')
param memory string = '1Gi'

@export()
@description('A plain environment variable.')
type envVar = {
  name: string
  value: string
}

// Before the first azd deploy there is no image of ours in the registry. This public ASP.NET Core
// sample listens on 8080 like our services, so ingress and the default probes are satisfied until
// azd deploy swaps in the real image.
var placeholderImage = 'mcr.microsoft.com/dotnet/samples:aspnetapp'
var hasImage = !empty(image)

// The placeholder does not serve /health and /alive; our probes apply once our image runs (the next
// azd provision after the first azd deploy adds them; until then Container Apps' TCP probes apply).
var probes = hasImage ? [
  {
    type: 'Startup'
    httpGet: {
      path: '/alive'
      port: targetPort
    }
    periodSeconds: 2
    failureThreshold: 30
    timeoutSeconds: 2
  }
  {
    type: 'Liveness'
    httpGet: {
      path: '/alive'
      port: targetPort
    }
    periodSeconds: 10
    failureThreshold: 3
    timeoutSeconds: 2
  }
  {
    type: 'Readiness'
    httpGet: {
      path: '/health'
      port: targetPort
    }
    periodSeconds: 10
    failureThreshold: 3
    timeoutSeconds: 5
  }
] : []

var httpRules = httpConcurrency > 0 ? [
  {
    name: 'http-concurrency'
    http: {
      metadata: {
        concurrentRequests: string(httpConcurrency)
      }
    }
  }
] : []

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: ingress == 'none' ? null : {
        external: ingress == 'external'
        targetPort: targetPort
        transport: 'auto'
        allowInsecure: false
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'main'
          image: hasImage ? image : placeholderImage
          env: concat(env, [
            {
              name: 'ASPNETCORE_HTTP_PORTS'
              value: string(targetPort)
            }
          ])
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          probes: probes
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: httpRules
      }
    }
  }
}

@description('Name of the container app.')
output name string = app.name

@description('Public or internal host name, or empty without ingress.')
output fqdn string = ingress == 'none' ? '' : app.properties.configuration.ingress.fqdn
