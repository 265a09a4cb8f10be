using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace AspireAoai.ServiceDefaults.Redis;

/// <summary>
/// Reads what Redis needs from an Entra ID access token: the object id (<c>oid</c> claim), which Azure Redis uses as the
/// user name of the token's principal. The token is not validated here; Redis validates it.
/// </summary>
public static class RedisEntraToken
{
    /// <summary>Returns the <c>oid</c> claim of a JWT access token, or null when the token has none or is not a JWT.</summary>
    public static string? TryGetObjectId(string? accessToken)
    {
        if (string.IsNullOrEmpty(accessToken)) return null;

        var firstDot = accessToken.IndexOf('.');
        if (firstDot <= 0) return null;
        var secondDot = accessToken.IndexOf('.', firstDot + 1);
        if (secondDot < 0) return null;

        var payload = accessToken.AsSpan(firstDot + 1, secondDot - firstDot - 1);
        if (payload.IsEmpty) return null;

        var rented = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payload.Length));
        try
        {
            if (!Base64Url.TryDecodeFromChars(payload, rented, out var written)) return null;
            return ReadObjectId(rented.AsSpan(0, written));
        }
        catch (FormatException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static string? ReadObjectId(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject) return null;
                if (reader.TokenType != JsonTokenType.PropertyName) return null;

                var isOid = reader.ValueTextEquals("oid"u8);
                if (!reader.Read()) return null;
                if (isOid)
                {
                    return reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } oid ? oid : null;
                }

                reader.Skip();
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
