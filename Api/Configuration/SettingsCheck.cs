namespace AspireAoai.Api.Configuration;

/// <summary>The options type whose validation runs the check (it has no settings of its own).</summary>
public sealed class SettingsCheck;
