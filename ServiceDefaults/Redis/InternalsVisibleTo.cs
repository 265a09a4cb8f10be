using System.Runtime.CompilerServices;

// The refresh schedule (RedisEntraIdAuthenticator.RefreshTime) is tested directly.
[assembly: InternalsVisibleTo("Infra.Tests")]
