using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Hosting;

internal sealed class ListenerOptionsValidator : IValidateOptions<ListenerOptions>
{
    public ValidateOptionsResult Validate(string? name, ListenerOptions options)
    {
        if (options.ListenBacklog is < 1 or > 65535)
        {
            return ValidateOptionsResult.Fail("Gateway:ListenBacklog must be between 1 and 65535 (the kernel caps it at net.core.somaxconn).");
        }

        return options.MaxConnections < 0
            ? ValidateOptionsResult.Fail("Gateway:MaxConnections must be 0 (no cap) or more; leave it out to size it from the open-file limit.")
            : ValidateOptionsResult.Success;
    }
}
