using System.Globalization;

namespace Cajal.Detection;

/// <summary>The argument checks of spec section 9, shared by <see cref="YoloTargets.Build"/> and <see cref="YoloV3Loss"/>.</summary>
internal static class YoloValidation
{
    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Checks anchors, masks, input size, class count, variant and threshold.</summary>
    public static void Configuration(IReadOnlyList<(double Width, double Height)> anchors, IReadOnlyList<IReadOnlyList<int>> masks,
        double inputWidth, double inputHeight, int numClasses, YoloVariant variant, double ignoreThreshold, string op)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        ArgumentNullException.ThrowIfNull(masks);
        if (anchors.Count == 0) throw new ArgumentException($"{op}: anchors is empty; give at least one (width, height) in input pixels.", nameof(anchors));
        for (int k = 0; k < anchors.Count; k++)
        {
            var (aw, ah) = anchors[k];
            if (!(aw > 0) || !(ah > 0) || !double.IsFinite(aw) || !double.IsFinite(ah))
                throw new ArgumentException($"{op}: anchor {k} is ({F(aw)}, {F(ah)}); both sides must be finite and > 0 (input pixels).", nameof(anchors));
        }
        if (masks.Count == 0) throw new ArgumentException($"{op}: masks is empty; give one anchor mask per scale.", nameof(masks));
        for (int s = 0; s < masks.Count; s++)
        {
            var mask = masks[s] ?? throw new ArgumentException($"{op}: mask of scale {s} is null.", nameof(masks));
            if (mask.Count == 0) throw new ArgumentException($"{op}: mask of scale {s} is empty.", nameof(masks));
            for (int a = 0; a < mask.Count; a++)
            {
                if (mask[a] < 0 || mask[a] >= anchors.Count)
                    throw new ArgumentException($"{op}: mask of scale {s} holds anchor index {mask[a]} at position {a}, outside [0, {anchors.Count}).", nameof(masks));
                for (int b = 0; b < a; b++)
                    if (mask[b] == mask[a])
                        throw new ArgumentException($"{op}: mask of scale {s} holds anchor index {mask[a]} twice (positions {b} and {a}).", nameof(masks));
            }
        }
        if (!(inputWidth > 0) || !double.IsFinite(inputWidth))
            throw new ArgumentException($"{op}: inputWidth must be finite and > 0, got {F(inputWidth)}.", nameof(inputWidth));
        if (!(inputHeight > 0) || !double.IsFinite(inputHeight))
            throw new ArgumentException($"{op}: inputHeight must be finite and > 0, got {F(inputHeight)}.", nameof(inputHeight));
        if (numClasses < 1) throw new ArgumentException($"{op}: numClasses must be at least 1, got {numClasses}.", nameof(numClasses));
        if (!Enum.IsDefined(variant)) throw new ArgumentException($"{op}: unknown variant {variant}; use YoloVariant.Keras or YoloVariant.Darknet.", nameof(variant));
        if (!(ignoreThreshold >= 0 && ignoreThreshold <= 1))
            throw new ArgumentException($"{op}: ignoreThreshold must be in [0, 1], got {F(ignoreThreshold)}.", nameof(ignoreThreshold));
    }

    /// <summary>Checks the grid sizes (each side ≥ 1, one per mask).</summary>
    public static void Grids(IReadOnlyList<(int Height, int Width)> grids, int scales, string op)
    {
        ArgumentNullException.ThrowIfNull(grids);
        if (grids.Count != scales) throw new ArgumentException($"{op}: {grids.Count} grids but {scales} masks; give one grid per scale.", nameof(grids));
        for (int s = 0; s < grids.Count; s++)
            if (grids[s].Height < 1 || grids[s].Width < 1)
                throw new ArgumentException($"{op}: grid of scale {s} is {grids[s].Height}x{grids[s].Width}; both sides must be at least 1.", nameof(grids));
    }

    /// <summary>Checks the raw outputs against the masks and class count and returns their grids and batch size.</summary>
    public static ((int Height, int Width)[] Grids, int BatchSize) Outputs(IReadOnlyList<Tensor> outputs, IReadOnlyList<IReadOnlyList<int>> masks, int numClasses, string op)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count != masks.Count)
            throw new ArgumentException($"{op}: {outputs.Count} raw output tensors but {masks.Count} anchor masks; give one mask per scale.", nameof(outputs));
        var grids = new (int, int)[outputs.Count];
        int n = -1;
        for (int s = 0; s < outputs.Count; s++)
        {
            var t = outputs[s] ?? throw new ArgumentException($"{op}: raw output of scale {s} is null.", nameof(outputs));
            if (!t.DType.IsFloatingPoint())
                throw new ArgumentException($"{op}: raw output of scale {s} must be Float32 or Float64, got {t.DType} {t.Shape}.", nameof(outputs));
            if (t.DType != outputs[0].DType)
                throw new ArgumentException($"{op}: raw output of scale {s} is {t.DType} {t.Shape} but scale 0 is {outputs[0].DType} {outputs[0].Shape}; use one dtype.", nameof(outputs));
            int channels = masks[s].Count * (5 + numClasses);
            if (t.Rank != 4)
                throw new ArgumentException($"{op}: raw output of scale {s} must be (N, {channels}, H, W) (NCHW), got {t.Shape}.", nameof(outputs));
            if (t.Size(1) != channels)
                throw new ArgumentException($"{op}: raw output of scale {s} has {t.Size(1)} channels, shape {t.Shape}, but its mask has {masks[s].Count} anchors and there are {numClasses} classes, so it needs {masks[s].Count}*(5+{numClasses}) = {channels}.", nameof(outputs));
            if (t.Size(2) < 1 || t.Size(3) < 1)
                throw new ArgumentException($"{op}: raw output of scale {s} has an empty grid, shape {t.Shape}.", nameof(outputs));
            if (t.Size(0) < 1)
                throw new ArgumentException($"{op}: raw output of scale {s} has batch size 0, shape {t.Shape}; N must be at least 1.", nameof(outputs));
            if (n >= 0 && t.Size(0) != n)
                throw new ArgumentException($"{op}: raw output of scale {s} has batch size {t.Size(0)}, shape {t.Shape}, but scale 0 has {n}.", nameof(outputs));
            n = t.Size(0);
            grids[s] = (t.Size(2), t.Size(3));
        }
        return (grids, n);
    }

    /// <summary>Checks that there is one box list per image and that every box is valid (finite, centre in [0, 1], size in (0, 1], class in [0, C)).</summary>
    public static void Boxes(IReadOnlyList<IReadOnlyList<GroundTruthBox>> boxes, int batchSize, int numClasses, string op)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        if (boxes.Count != batchSize)
            throw new ArgumentException($"{op}: boxes holds {boxes.Count} lists but the batch has {batchSize} images; give one (possibly empty) list per image.", nameof(boxes));
        for (int b = 0; b < boxes.Count; b++)
        {
            var list = boxes[b] ?? throw new ArgumentException($"{op}: box list of image {b} is null; use an empty list.", nameof(boxes));
            for (int t = 0; t < list.Count; t++)
            {
                var box = list[t];
                if (double.IsFinite(box.Cx) && double.IsFinite(box.Cy) && box.Cx >= 0 && box.Cx <= 1 && box.Cy >= 0 && box.Cy <= 1
                    && box.W > 0 && box.W <= 1 && box.H > 0 && box.H <= 1 && box.Class >= 0 && box.Class < numClasses)
                    continue;   // valid: no message to build
                string where = $"{op}: box {t} of image {b} {box}";
                if (!double.IsFinite(box.Cx) || !double.IsFinite(box.Cy) || !double.IsFinite(box.W) || !double.IsFinite(box.H))
                    throw new ArgumentException($"{where} is not finite.", nameof(boxes));
                if (box.Cx < 0 || box.Cx > 1) throw new ArgumentException($"{where} has cx = {F(box.Cx)} outside [0, 1].", nameof(boxes));
                if (box.Cy < 0 || box.Cy > 1) throw new ArgumentException($"{where} has cy = {F(box.Cy)} outside [0, 1].", nameof(boxes));
                if (!(box.W > 0) || box.W > 1)
                    throw new ArgumentException($"{where} has w = {F(box.W)} outside (0, 1]; zero-area boxes must be dropped by the data pipeline.", nameof(boxes));
                if (!(box.H > 0) || box.H > 1)
                    throw new ArgumentException($"{where} has h = {F(box.H)} outside (0, 1]; zero-area boxes must be dropped by the data pipeline.", nameof(boxes));
                if (box.Class < 0 || box.Class >= numClasses)
                    throw new ArgumentException($"{where} has class {box.Class} outside [0, {numClasses}).", nameof(boxes));
            }
        }
    }
}
