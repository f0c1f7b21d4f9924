using System.Globalization;
using Gyre.Protocol.Messages;

namespace Gyre.Core.Channels;

/// <summary>
/// Subscriber-side publication filters on tags (Centrifugo 6.4 <c>tf</c>): leaves compare one tag
/// (<c>eq neq in nin ex nex sw ew ct gt gte lt lte</c>), inner nodes combine (<c>and or not</c>).
/// Numeric comparisons parse both sides as decimals; a value that does not parse never matches.
/// </summary>
public static class TagsFilter
{
    /// <summary>Whether <paramref name="filter"/> is well formed (Centrifugo's rules); a bad filter is error 107.</summary>
    public static bool IsValid(FilterNode filter) => filter.Op switch
    {
        "" => ValidLeaf(filter),
        "and" or "or" => filter.Nodes.Count > 0 && filter.Nodes.All(IsValid),
        "not" => filter.Nodes.Count == 1 && IsValid(filter.Nodes[0]),
        _ => false,
    };

    /// <summary>Whether a publication with <paramref name="tags"/> passes <paramref name="filter"/>.</summary>
    public static bool Matches(FilterNode filter, IDictionary<string, string> tags)
    {
        switch (filter.Op)
        {
            case "and":
                return filter.Nodes.All(n => Matches(n, tags));
            case "or":
                return filter.Nodes.Any(n => Matches(n, tags));
            case "not":
                return !Matches(filter.Nodes[0], tags);
        }

        var present = tags.TryGetValue(filter.Key, out var value);
        return filter.Cmp switch
        {
            "eq" => present && value == filter.Val,
            "neq" => !present || value != filter.Val,
            "in" => filter.Vals.Contains(value ?? ""),
            "nin" => !filter.Vals.Contains(value ?? ""),
            "ex" => present,
            "nex" => !present,
            "sw" => present && value!.StartsWith(filter.Val, StringComparison.Ordinal),
            "ew" => present && value!.EndsWith(filter.Val, StringComparison.Ordinal),
            "ct" => present && value!.Contains(filter.Val, StringComparison.Ordinal),
            "gt" or "gte" or "lt" or "lte" => present && Compare(value!, filter.Val, filter.Cmp),
            _ => false,
        };
    }

    private static bool ValidLeaf(FilterNode leaf) => leaf.Cmp switch
    {
        "eq" or "neq" or "sw" or "ew" or "ct" or "gt" or "gte" or "lt" or "lte" => leaf.Val.Length > 0 && leaf.Vals.Count == 0 && leaf.Key.Length > 0,
        "in" or "nin" => leaf.Vals.Count > 0 && leaf.Val.Length == 0 && leaf.Key.Length > 0,
        "ex" or "nex" => leaf.Val.Length == 0 && leaf.Vals.Count == 0,
        _ => false,
    };

    private static bool Compare(string value, string bound, string cmp)
    {
        if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            || !decimal.TryParse(bound, NumberStyles.Float, CultureInfo.InvariantCulture, out var b))
        {
            return false;
        }

        var order = v.CompareTo(b);
        return cmp switch
        {
            "gt" => order > 0,
            "gte" => order >= 0,
            "lt" => order < 0,
            _ => order <= 0,
        };
    }
}
