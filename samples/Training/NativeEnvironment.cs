using System;
using System.Runtime.InteropServices;

namespace NormGen.Samples.Training;

/// <summary>
/// Settings that native libraries read from the process environment when they load. .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach that environment on Unix, so
/// these go through libc, before TorchSharp loads libtorch.
/// </summary>
internal static class NativeEnvironment
{
    /// <summary>
    /// Lets libtorch's idle OpenMP threads sleep instead of spinning (unless the user chose a policy): the
    /// generated kernels run on .NET's thread pool, and on a machine with few cores spinning OpenMP threads
    /// take the cores those threads need — for both versions of a model, since both also run libtorch ops.
    /// </summary>
    public static string UsePassiveOpenMpThreads()
    {
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 } chosen)
        {
            return chosen;
        }

        if (!OperatingSystem.IsWindows())
        {
            _ = setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
        }

        return "PASSIVE";
    }

    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern int setenv(string name, string value, int overwrite);
}
