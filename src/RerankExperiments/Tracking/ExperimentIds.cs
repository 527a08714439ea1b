using System.Globalization;
using System.Security.Cryptography;

namespace RerankExperiments.Tracking;

/// <summary>New ids as MLflow makes them: experiments get big random positive integers, runs uuid4 hex.</summary>
internal static class ExperimentIds
{
    /// <summary>
    /// An 18 or 19 digit positive integer: random so that stores filled on different machines can be merged
    /// without clashes (MLflow's FileStore stopped counting up from 0 for the same reason).
    /// </summary>
    public static string NewExperimentId()
    {
        const long Min = 100_000_000_000_000_000;
        var value = (long)(BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) % (ulong)(long.MaxValue - Min));
        return (Min + value).ToString(CultureInfo.InvariantCulture);
    }

    public static string NewRunId() => Guid.NewGuid().ToString("N");
}
