using System.Text.Json;
using AspireAoai.Simulator.Chat;

namespace AspireAoai.Simulator.Embeddings;

/// <summary>One input to embed: text, or token ids as some clients (LangChain) send.</summary>
internal readonly record struct EmbeddingInput(string? Text, int[]? TokenIds);

/// <summary>The parts of an embeddings request the simulator acts on.</summary>
internal sealed class EmbeddingRequest
{
    public string? Model { get; set; }

    public List<EmbeddingInput> Inputs { get; } = [];

    public int? Dimensions { get; set; }

    public bool Base64 { get; set; }
}

/// <summary>Reads an embeddings body: <c>input</c> as a string, an array of strings, or token arrays.</summary>
internal static class EmbeddingRequestParser
{
    public const int MaxInputs = 2048;

    /// <exception cref="JsonException">The body is not JSON.</exception>
    /// <exception cref="InvalidRequestException">The body is JSON but not a valid request.</exception>
    public static EmbeddingRequest Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidRequestException("The request body must be a JSON object.", null);
        }

        var request = new EmbeddingRequest();
        var hasInput = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input"u8))
            {
                reader.Read();
                ReadInput(ref reader, request);
                hasInput = true;
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                request.Model = reader.TokenType == JsonTokenType.String ? reader.GetString()
                    : reader.TokenType == JsonTokenType.Null ? null
                    : throw new InvalidRequestException("Invalid type for 'model': expected a string.", "model", "invalid_type");
            }
            else if (reader.ValueTextEquals("dimensions"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var dimensions))
                {
                    request.Dimensions = dimensions;
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw new InvalidRequestException("Invalid type for 'dimensions': expected an integer.", "dimensions", "invalid_type");
                }
            }
            else if (reader.ValueTextEquals("encoding_format"u8))
            {
                reader.Read();
                var format = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                request.Base64 = format switch
                {
                    "base64" => true,
                    "float" or null when reader.TokenType is JsonTokenType.String or JsonTokenType.Null => false,
                    _ => throw new InvalidRequestException($"Invalid value for 'encoding_format': expected 'float' or 'base64'.", "encoding_format", "invalid_value"),
                };
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        reader.Read();

        if (!hasInput)
        {
            throw new InvalidRequestException("Missing required parameter: 'input'.", "input", "missing_required_parameter");
        }

        return request;
    }

    private static void ReadInput(ref Utf8JsonReader reader, EmbeddingRequest request)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                request.Inputs.Add(new EmbeddingInput(NonEmpty(reader.GetString()!), null));
                return;
            case JsonTokenType.StartArray:
                break;
            default:
                throw InvalidInput();
        }

        var tokens = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    request.Inputs.Add(new EmbeddingInput(NonEmpty(reader.GetString()!), null));
                    break;
                case JsonTokenType.Number:
                    // One input given as token ids: [1, 2, 3].
                    tokens.Add(reader.TryGetInt32(out var id) ? id : throw InvalidInput());
                    break;
                case JsonTokenType.StartArray:
                    var inner = new List<int>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        inner.Add(reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var t) ? t : throw InvalidInput());
                    }

                    request.Inputs.Add(new EmbeddingInput(null, inner.Count > 0 ? [.. inner] : throw InvalidInput()));
                    break;
                default:
                    throw InvalidInput();
            }
        }

        if (tokens.Count > 0)
        {
            if (request.Inputs.Count > 0)
            {
                throw InvalidInput();
            }

            request.Inputs.Add(new EmbeddingInput(null, [.. tokens]));
        }

        if (request.Inputs.Count == 0)
        {
            throw new InvalidRequestException("Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.", "input", "empty_array");
        }

        if (request.Inputs.Count > MaxInputs)
        {
            throw new InvalidRequestException($"Too many inputs. The max number of inputs is {MaxInputs}.", "input", "invalid_value");
        }
    }

    private static string NonEmpty(string value) => value.Length > 0
        ? value
        : throw new InvalidRequestException("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", "input", "invalid_value");

    private static InvalidRequestException InvalidInput() =>
        new("Invalid type for 'input': expected a string, an array of strings, an array of integers or an array of integer arrays.", "input", "invalid_type");
}
