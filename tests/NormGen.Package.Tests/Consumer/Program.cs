using Consumer;

// Runs the kernels that the NormGen package generated into this project and checks them against a
// float64 evaluation of PyTorch's formulas. Prints "OK" and exits with 0 when every value agrees.
const int Batch = 2, Time = 3, Width = Model.Ln.RowLength;
const double Tolerance = 1e-4;

var random = new Random(1234);
float[] NextArray(int length, double scale, double offset = 0)
{
    var values = new float[length];
    for (int i = 0; i < values.Length; i++)
    {
        values[i] = (float)(offset + scale * (2 * random.NextDouble() - 1));
    }

    return values;
}

int rows = Model.Ln.RowCount(Batch * Time * Width);
float[] x = NextArray(rows * Width, 2);
// One row with a large common offset: the variance must not be computed as E[x²] - E[x]².
for (int j = 0; j < Width; j++)
{
    x[Width + j] += 300;
}

float[] weight = NextArray(Width, 1, offset: 1), bias = NextArray(Width, 0.5), dy = NextArray(rows * Width, 1);

var y = new float[x.Length];
var mean = new float[rows];
var rstd = new float[rows];
Model.Ln.Forward(x, weight, bias, y, mean, rstd);

var dx = new float[x.Length];
var dWeight = new float[Width];
var dBias = new float[Width];
Model.Ln.Backward(dy, x, weight, mean, rstd, dx, dWeight, dBias);

var rmsY = new float[x.Length];
Model.Rms.Forward(x, weight, rmsY);

var mismatches = new List<string>();
void Check(string what, double expected, float actual)
{
    if (!(Math.Abs(actual - expected) <= Tolerance * (1 + Math.Abs(expected))) && mismatches.Count < 20)
    {
        mismatches.Add($"{what}: expected {expected:R}, got {actual:R}");
    }
}

void CheckExact(string what, float expected, float actual)
{
    if (actual != expected)
    {
        mismatches.Add($"{what}: expected {expected:R}, got {actual:R}");
    }
}

CheckExact("Ln.Epsilon", 1e-5f, Model.Ln.Epsilon);
// RMSNorm's default eps is the element type's machine epsilon, as torch.finfo(torch.float32).eps.
CheckExact("Rms.Epsilon", MathF.BitIncrement(1f) - 1f, Model.Rms.Epsilon);

var dWeightExpected = new double[Width];
var dBiasExpected = new double[Width];
for (int r = 0; r < rows; r++)
{
    int start = r * Width;

    // LayerNorm forward: biased variance, eps inside the square root.
    double m = 0, v = 0, squares = 0;
    for (int j = 0; j < Width; j++) m += x[start + j];
    m /= Width;
    for (int j = 0; j < Width; j++) v += (x[start + j] - m) * (x[start + j] - m);
    v /= Width;
    double s = 1 / Math.Sqrt(v + Model.Ln.Epsilon);
    Check($"mean[{r}]", m, mean[r]);
    Check($"rstd[{r}]", s, rstd[r]);

    // LayerNorm backward: dx = rstd·(g - mean(g) - x̂·mean(g·x̂)) with g = dy·γ.
    double meanG = 0, meanGXHat = 0;
    for (int j = 0; j < Width; j++)
    {
        double xHat = (x[start + j] - m) * s;
        double g = dy[start + j] * (double)weight[j];
        meanG += g;
        meanGXHat += g * xHat;
        dWeightExpected[j] += dy[start + j] * xHat;
        dBiasExpected[j] += dy[start + j];
        Check($"y[{r},{j}]", xHat * weight[j] + bias[j], y[start + j]);
        squares += (double)x[start + j] * x[start + j];
    }

    meanG /= Width;
    meanGXHat /= Width;
    for (int j = 0; j < Width; j++)
    {
        double xHat = (x[start + j] - m) * s;
        double g = dy[start + j] * (double)weight[j];
        Check($"dx[{r},{j}]", s * (g - meanG - xHat * meanGXHat), dx[start + j]);
    }

    // RMSNorm forward: y = x / sqrt(mean(x²) + eps) · γ.
    double rmsScale = 1 / Math.Sqrt(squares / Width + Model.Rms.Epsilon);
    for (int j = 0; j < Width; j++)
    {
        Check($"rms y[{r},{j}]", x[start + j] * rmsScale * weight[j], rmsY[start + j]);
    }
}

for (int j = 0; j < Width; j++)
{
    Check($"dWeight[{j}]", dWeightExpected[j], dWeight[j]);
    Check($"dBias[{j}]", dBiasExpected[j], dBias[j]);
}

if (mismatches.Count > 0)
{
    Console.WriteLine("MISMATCH");
    mismatches.ForEach(Console.WriteLine);
    return 1;
}

Console.WriteLine("OK");
return 0;
