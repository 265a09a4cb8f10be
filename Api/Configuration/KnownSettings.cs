using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace AspireAoai.Api.Configuration;

/// <summary>
/// The settings an options type binds, read from its properties the way the configuration binder reads them: a public
/// property with a setter, or a get-only collection or object the binder fills in place. Several types may bind the
/// same section (Auth and RateLimiting both read <c>Gateway:Clients:{i}</c>): a key is known when any of them has it.
/// </summary>
internal static class KnownSettings
{
    /// <summary>
    /// Adds to <paramref name="errors"/> every key under <paramref name="section"/> that none of
    /// <paramref name="types"/> binds, as its full path (<c>Gateway:Clients:0:TokensPerMinute</c>). Section paths in
    /// <paramref name="owned"/> are checked on their own (a sub-section with its own options type) and skipped here.
    /// </summary>
    public static void FindUnknown(IConfigurationSection section, IReadOnlyList<Type> types, ISet<string> owned, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            if (owned.Contains(child.Path))
            {
                continue;
            }

            var matched = new List<Type>();
            var leaf = false;
            foreach (var type in types)
            {
                leaf |= Describe(type, child.Key, matched);
            }

            if (matched.Count == 0 && !leaf)
            {
                errors.Add($"{child.Path} is not a setting the gateway knows: check its spelling and case-insensitive name against docs/ ({Names(types)}).");
            }
            else if (matched.Count > 0)
            {
                FindUnknown(child, matched, owned, errors);
            }
            else if (child.GetChildren().Any())
            {
                errors.Add($"{child.Path} takes a single value, not nested settings ({child.GetChildren().First().Path} is not a setting).");
            }
        }
    }

    /// <summary>
    /// What <paramref name="type"/> binds at <paramref name="key"/>: adds the object types whose own settings follow
    /// (a nested object, a list's element, a dictionary's value) to <paramref name="nested"/> and returns true when the
    /// key is a single value.
    /// </summary>
    private static bool Describe(Type type, string key, List<Type> nested)
    {
        if (ElementType(type) is { } element)
        {
            // A list takes indexes, a dictionary any key.
            if (IsDictionary(type) || int.TryParse(key, out _))
            {
                return Add(element, nested);
            }

            return false;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && IsBindable(property) &&
                string.Equals(NameOf(property), key, StringComparison.OrdinalIgnoreCase))
            {
                return Add(property.PropertyType, nested);
            }
        }

        return false;
    }

    /// <summary>Adds an object type to <paramref name="nested"/>, or returns true for a single-value type.</summary>
    private static bool Add(Type type, List<Type> nested)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsValue(type))
        {
            return true;
        }

        nested.Add(type);
        return false;
    }

    private static bool IsBindable(PropertyInfo property)
        => property.SetMethod is { IsPublic: true } || (property.GetMethod is { IsPublic: true } && !IsValue(property.PropertyType));

    private static string NameOf(PropertyInfo property)
        => property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;

    /// <summary>Types the binder converts from one string (strings, numbers, enums, TimeSpan, Uri ...).</summary>
    private static bool IsValue(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) ||
               (type != typeof(object) && ElementType(type) is null && TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string)));
    }

    private static bool IsDictionary(Type type)
        => DictionaryValue(type) is not null;

    /// <summary>The element of an array or list, or the value of a dictionary; null for other types.</summary>
    private static Type? ElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (DictionaryValue(type) is { } value)
        {
            return value;
        }

        if (!typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        foreach (var i in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return i.GetGenericArguments()[0];
            }
        }

        return null;
    }

    private static Type? DictionaryValue(Type type)
    {
        foreach (var i in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)))
            {
                return i.GetGenericArguments()[1];
            }
        }

        return null;
    }

    private static string Names(IReadOnlyList<Type> types)
    {
        var names = new List<string>();
        foreach (var type in types)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetIndexParameters().Length == 0 && IsBindable(property) && !names.Contains(NameOf(property)))
                {
                    names.Add(NameOf(property));
                }
            }
        }

        return names.Count == 0 ? "it takes no settings" : "known here: " + string.Join(", ", names);
    }
}
