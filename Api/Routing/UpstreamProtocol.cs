using System.Net;

namespace AspireAoai.Api.Routing;

/// <summary>
/// The HTTP version of the calls to one deployment (<c>Gateway:UpstreamHttpVersion</c>). HTTP/1.1 (the default) holds a
/// connection, so a descriptor, per request in flight; HTTP/2 carries up to the server's stream limit (100 at Kestrel, the
/// simulator's server) on one connection. Over https the version is negotiated (ALPN; HTTP/1.1 when the server offers no
/// HTTP/2); over plain http HTTP/2 is spoken with prior knowledge (h2c), which the server must accept.
/// </summary>
internal readonly record struct UpstreamProtocol(Version Version, HttpVersionPolicy Policy)
{
    public static readonly UpstreamProtocol Http11 = new(HttpVersion.Version11, HttpVersionPolicy.RequestVersionOrLower);

    /// <summary>True for HTTP/2: about one descriptor a proxied request instead of two.</summary>
    public bool Multiplexed => Version.Major >= 2;

    /// <summary>The protocol for a setting (<c>1.1</c> or <c>2</c>) and a deployment's endpoint.</summary>
    public static UpstreamProtocol For(string? setting, Uri endpoint)
        => IsHttp2(setting)
            ? new(HttpVersion.Version20, endpoint.Scheme == Uri.UriSchemeHttp ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower)
            : Http11;

    /// <summary>A valid setting: <c>1.1</c> or <c>2</c> (<c>2.0</c>); unset means 1.1.</summary>
    public static bool IsValidSetting(string? setting) => string.IsNullOrEmpty(setting) || setting is "1.1" || IsHttp2(setting);

    public static bool IsHttp2(string? setting) => setting is "2" or "2.0";

    public void Apply(HttpRequestMessage message)
    {
        message.Version = Version;
        message.VersionPolicy = Policy;
    }
}
