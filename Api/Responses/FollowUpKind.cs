namespace AspireAoai.Api.Responses;

/// <summary>What a follow-up asks of a stored response.</summary>
public enum FollowUpKind
{
    Get,
    Delete,
    Cancel,
    InputItems,
}
