namespace NormGen.Analyzers.Helpers;

/// <summary>The group count a fix gives a GroupNorm that replaces another norm.</summary>
internal static class GroupCounts
{
    /// <summary>The group count GroupNorm is usually given (Wu and He, 2018).</summary>
    public const long Preferred = 32;

    /// <summary>The largest divisor of the channel count up to 32; 1 (which always divides) when the count is unknown.</summary>
    public static long For(long? channels)
    {
        if (channels is not > 0)
        {
            return 1;
        }

        for (long groups = System.Math.Min(Preferred, channels.Value); groups > 1; groups--)
        {
            if (channels.Value % groups == 0)
            {
                return groups;
            }
        }

        return 1;
    }
}
