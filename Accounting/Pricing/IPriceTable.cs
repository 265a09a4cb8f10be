namespace AspireAoai.Accounting.Pricing;

/// <summary>Finds the price in effect for a model name at a moment.</summary>
public interface IPriceTable
{
    /// <summary>
    /// The canonical model and price for <paramref name="modelOrAlias"/> at <paramref name="at"/>, or false when
    /// the name is unknown or no price was in effect yet.
    /// </summary>
    bool TryGetPrice(string modelOrAlias, DateTimeOffset at, out string model, out ModelPrice price);
}
