// Types shared by the modules.

@export()
@description('Resource tags: names to string values.')
type resourceTags = {
  *: string
}
