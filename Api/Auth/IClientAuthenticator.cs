namespace AspireAoai.Api.Auth;

/// <summary>Finds the client a request's gateway key belongs to.</summary>
public interface IClientAuthenticator
{
    /// <summary>The client whose key the request presents, or null when the key is missing or unknown.</summary>
    ClientContext? Authenticate(HttpRequest request);

    /// <summary>True when the request presents the admin key.</summary>
    bool IsAdmin(HttpRequest request);
}
