using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting;

// Placeholder while the kernel is being written: emits nothing.
internal static class BatchNormEmitter
{
    public static void Emit(CodeWriter writer, NormSpec norm)
    {
    }
}
