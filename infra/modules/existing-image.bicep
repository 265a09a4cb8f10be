// Reads the image a container app runs now, so that re-provisioning (azd provision) keeps the image
// that azd deploy put there instead of resetting it to the placeholder.

@description('Whether the container app exists (azd sets SERVICE_<NAME>_RESOURCE_EXISTS).')
param exists bool

@description('Name of the container app.')
param name string

resource app 'Microsoft.App/containerApps@2025-01-01' existing = if (exists) {
  name: name
}

@description('The image of the first container, or empty when the app does not exist yet.')
output image string = exists ? app!.properties.template!.containers![0].image! : ''
