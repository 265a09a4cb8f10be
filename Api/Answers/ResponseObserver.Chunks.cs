using System.Buffers;
using System.Text.Json;

namespace AspireAoai.Api.Answers;

// Feeding: how chunks reach the token reader. A JSON body is one document read incrementally across chunks, its
// unread tail carried in a pooled buffer; an SSE body is cut into lines, each data line read as a whole event.
public sealed partial class ResponseObserver
{
    /// <summary>Feeds the next chunk of a JSON (non-streaming) body.</summary>
    public void FeedJson(ReadOnlySpan<byte> chunk)
    {
        if (_failed || _complete || chunk.IsEmpty)
        {
            return;
        }

        ReadOnlySpan<byte> data = chunk;
        if (_carryLength > 0)
        {
            EnsureCarry(_carryLength + chunk.Length);
            chunk.CopyTo(_carry.AsSpan(_carryLength));
            data = _carry.AsSpan(0, _carryLength + chunk.Length);
        }

        var reader = new Utf8JsonReader(data, isFinalBlock: false, _state);
        try
        {
            while (reader.Read())
            {
                Handle(ref reader);
                if (reader.CurrentDepth == 0 && reader.TokenType == JsonTokenType.EndObject)
                {
                    _complete = true;
                    ReleaseCarry();
                    return;
                }
            }
        }
        catch (JsonException)
        {
            _failed = true;
            ReleaseCarry();
            return;
        }

        _state = reader.CurrentState;
        var rest = data[(int)reader.BytesConsumed..];
        if (rest.Length > MaxCarryBytes)
        {
            _failed = true;
            ReleaseCarry();
            return;
        }

        EnsureCarry(rest.Length);
        rest.CopyTo(_carry);
        _carryLength = rest.Length;
    }

    /// <summary>Feeds the next chunk of a <c>text/event-stream</c> body.</summary>
    public void FeedSse(ReadOnlySpan<byte> chunk)
    {
        if (_failed || chunk.IsEmpty)
        {
            return;
        }

        if (_carryLength > 0)
        {
            EnsureCarry(_carryLength + chunk.Length);
            chunk.CopyTo(_carry.AsSpan(_carryLength));
            var all = _carry.AsSpan(0, _carryLength + chunk.Length);
            var consumed = ProcessLines(all);
            var rest = all[consumed..];
            rest.CopyTo(_carry);
            _carryLength = rest.Length;
        }
        else
        {
            var consumed = ProcessLines(chunk);
            var rest = chunk[consumed..];
            if (rest.Length > 0)
            {
                EnsureCarry(rest.Length);
                rest.CopyTo(_carry);
                _carryLength = rest.Length;
            }
        }

        if (_carryLength > MaxCarryBytes)
        {
            _failed = true;
            ReleaseCarry();
        }
    }

    private int ProcessLines(ReadOnlySpan<byte> data)
    {
        var lines = new SseLineReader(data);
        while (lines.TryReadLine(out var line))
        {
            if (SseLineReader.TryGetData(line, out var payload) && !payload.IsEmpty && !payload.SequenceEqual("[DONE]"u8))
            {
                ParseEvent(payload);
            }
        }

        return lines.Consumed;
    }

    private void ParseEvent(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        _eventChoices = -1;
        _eventUsage = false;
        _countDelta = false;
        try
        {
            while (reader.Read())
            {
                Handle(ref reader);
            }

            if (_eventChoices == 0 && _eventUsage)
            {
                _usageChunkSeen = true;
            }
        }
        catch (JsonException)
        {
            // One malformed event does not stop the observation of the next ones.
        }
    }

    private void EnsureCarry(int size)
    {
        if (_carry is null)
        {
            _carry = ArrayPool<byte>.Shared.Rent(Math.Max(size, 4096));
        }
        else if (_carry.Length < size)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(size, _carry.Length * 2));
            _carry.AsSpan(0, _carryLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = larger;
        }
    }

    private void ReleaseCarry()
    {
        _carryLength = 0;
        if (_carry is not null)
        {
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = null;
        }
    }
}
