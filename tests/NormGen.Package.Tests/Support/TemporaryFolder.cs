using System;
using System.IO;
using System.Threading;

namespace NormGen.Package.Tests.Support;

internal static class TemporaryFolder
{
    /// <summary>Deletes a folder tree, retrying briefly: a process that just exited may still hold a file.</summary>
    public static void Delete(string path)
    {
        for (int attempt = 0; Directory.Exists(path); attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && attempt < 5)
            {
                Thread.Sleep(500);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Leaving a temporary folder behind must not fail the run.
                return;
            }
        }
    }
}
