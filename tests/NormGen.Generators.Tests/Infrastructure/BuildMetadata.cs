using System.Linq;
using System.Reflection;

namespace NormGen.Generators.Tests.Infrastructure;

/// <summary>Paths stamped into this assembly at build time (see the .csproj).</summary>
internal static class BuildMetadata
{
    public static string Get(string key) =>
        typeof(BuildMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
