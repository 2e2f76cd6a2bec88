namespace Cajal.Detection;

/// <summary>A detected object: its box (normalised to the input, centre-size form), class id and score.</summary>
/// <param name="Box">The box, with x and w divided by the input width and y and h by its height.</param>
/// <param name="Class">The class id, in [0, C).</param>
/// <param name="Score">Objectness × class probability, in [0, 1].</param>
public readonly record struct DetectedBox(Box Box, int Class, double Score);

/// <summary>Turns raw YOLO head outputs into scored boxes (YOLOv3 loss spec, section 3).</summary>
/// <remarks>
/// For scale s, image b, local anchor a of that scale's mask and cell (row j, column i) with anchor (aw, ah) in pixels:
/// px = (σ(t_x) + i)/W_s, py = (σ(t_y) + j)/H_s, pw = e^(t_w)·aw/inputW, ph = e^(t_h)·ah/inputH. Class scores are
/// σ(t_obj)·σ(t_c) for every class c (the classes are independent sigmoids, as in training); each position yields one
/// detection per class whose score is at least the threshold, as Keras-YOLO3's <c>yolo_eval</c> does. Channel layout as the
/// loss: channel a·(5+C)+k of the (N, A·(5+C), H, W) tensor, k = 0..3 box, 4 objectness, 5+c class logits.
/// </remarks>
public static class YoloDecoder
{
    /// <summary>Decodes every position of every scale into detections with score ≥ <paramref name="scoreThreshold"/>, per image.</summary>
    /// <param name="raw">One raw output per scale, (N, A_s·(5+C), H_s, W_s), float32 or float64.</param>
    /// <param name="anchors">All anchors (width, height) in input pixels.</param>
    /// <param name="masks">For each scale, the indices into <paramref name="anchors"/> of its A_s anchors.</param>
    /// <param name="inputWidth">Network input width in pixels.</param>
    /// <param name="inputHeight">Network input height in pixels.</param>
    /// <param name="classes">Number of classes C.</param>
    /// <param name="scoreThreshold">Smallest score kept, in [0, 1].</param>
    /// <returns>For each image, its detections in scale, anchor, row, column, class order (not sorted, not suppressed).</returns>
    public static IReadOnlyList<DetectedBox>[] Decode(IReadOnlyList<Tensor> raw, IReadOnlyList<(double Width, double Height)> anchors,
        IReadOnlyList<IReadOnlyList<int>> masks, double inputWidth, double inputHeight, int classes, double scoreThreshold)
    {
        int n = Validate(raw, anchors, masks, inputWidth, inputHeight, classes, scoreThreshold);
        var result = new List<DetectedBox>[n];
        for (int b = 0; b < n; b++) result[b] = [];
        for (int s = 0; s < raw.Count; s++)
        {
            var values = raw[s].Detach().Contiguous().ToDoubleArray();
            int channels = raw[s].Size(1), height = raw[s].Size(2), width = raw[s].Size(3), cells = height * width;
            var mask = masks[s];
            for (int b = 0; b < n; b++)
            {
                for (int a = 0; a < mask.Count; a++)
                {
                    var (aw, ah) = anchors[mask[a]];
                    int baseChannel = (b * channels + a * (5 + classes)) * cells;
                    for (int j = 0; j < height; j++)
                    {
                        for (int i = 0; i < width; i++)
                        {
                            int at = baseChannel + j * width + i;
                            double objectness = Sigmoid(values[at + 4 * cells]);
                            if (objectness < scoreThreshold) continue;   // every class score is at most the objectness
                            Box? box = null;
                            for (int c = 0; c < classes; c++)
                            {
                                double score = objectness * Sigmoid(values[at + (5 + c) * cells]);
                                if (score < scoreThreshold) continue;
                                box ??= new Box(
                                    (Sigmoid(values[at]) + i) / width, (Sigmoid(values[at + cells]) + j) / height,
                                    Math.Exp(values[at + 2 * cells]) * aw / inputWidth, Math.Exp(values[at + 3 * cells]) * ah / inputHeight);
                                result[b].Add(new DetectedBox(box.Value, c, score));
                            }
                        }
                    }
                }
            }
        }
        return result;
    }

    /// <summary>Decodes (<see cref="Decode"/>) and then applies per-class non-maximum suppression to each image.</summary>
    /// <param name="raw">One raw output per scale, (N, A_s·(5+C), H_s, W_s).</param>
    /// <param name="anchors">All anchors (width, height) in input pixels.</param>
    /// <param name="masks">For each scale, the indices of its anchors.</param>
    /// <param name="inputWidth">Network input width in pixels.</param>
    /// <param name="inputHeight">Network input height in pixels.</param>
    /// <param name="classes">Number of classes C.</param>
    /// <param name="scoreThreshold">Smallest score kept.</param>
    /// <param name="iouThreshold">Boxes of one class overlapping a better one by more than this IoU are dropped.</param>
    /// <param name="maxDetections">Most detections kept per image (the best-scoring), or null for all.</param>
    /// <returns>For each image, its detections sorted by descending score.</returns>
    public static IReadOnlyList<DetectedBox>[] Detect(IReadOnlyList<Tensor> raw, IReadOnlyList<(double Width, double Height)> anchors,
        IReadOnlyList<IReadOnlyList<int>> masks, double inputWidth, double inputHeight, int classes, double scoreThreshold,
        double iouThreshold, int? maxDetections = null) =>
        Decode(raw, anchors, masks, inputWidth, inputHeight, classes, scoreThreshold)
            .Select(d => NonMaxSuppression.Apply(d, iouThreshold, maxDetections))
            .ToArray();

    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private static int Validate(IReadOnlyList<Tensor> raw, IReadOnlyList<(double Width, double Height)> anchors,
        IReadOnlyList<IReadOnlyList<int>> masks, double inputWidth, double inputHeight, int classes, double scoreThreshold)
    {
        const string op = "YoloDecoder";
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(anchors);
        ArgumentNullException.ThrowIfNull(masks);
        if (raw.Count == 0) throw new ArgumentException($"{op}: expected at least one scale, got none.", nameof(raw));
        if (raw.Count != masks.Count) throw new ArgumentException($"{op}: {raw.Count} raw tensors but {masks.Count} masks.", nameof(masks));
        if (classes < 1) throw new ArgumentException($"{op}: classes must be at least 1, got {classes}.", nameof(classes));
        if (!(inputWidth > 0) || !(inputHeight > 0) || !double.IsFinite(inputWidth) || !double.IsFinite(inputHeight))
            throw new ArgumentException($"{op}: the input size must be positive and finite, got {inputWidth}×{inputHeight}.");
        if (!(scoreThreshold >= 0 && scoreThreshold <= 1))
            throw new ArgumentException($"{op}: scoreThreshold must be in [0, 1], got {scoreThreshold}.", nameof(scoreThreshold));
        for (int k = 0; k < anchors.Count; k++)
            if (!(anchors[k].Width > 0) || !(anchors[k].Height > 0) || !double.IsFinite(anchors[k].Width) || !double.IsFinite(anchors[k].Height))
                throw new ArgumentException($"{op}: anchor {k} is {anchors[k].Width}×{anchors[k].Height}; sides must be positive and finite.", nameof(anchors));
        int n = -1;
        for (int s = 0; s < raw.Count; s++)
        {
            var t = raw[s] ?? throw new ArgumentException($"{op}: raw tensor {s} is null.", nameof(raw));
            var mask = masks[s] ?? throw new ArgumentException($"{op}: mask {s} is null.", nameof(masks));
            if (mask.Count == 0) throw new ArgumentException($"{op}: mask {s} is empty.", nameof(masks));
            foreach (int k in mask)
                if ((uint)k >= (uint)anchors.Count)
                    throw new ArgumentException($"{op}: mask {s} holds anchor index {k}, outside [0, {anchors.Count}).", nameof(masks));
            if (!t.DType.IsFloatingPoint() || t.Rank != 4 || t.Size(1) != mask.Count * (5 + classes) || t.Size(2) == 0 || t.Size(3) == 0)
                throw new ArgumentException(
                    $"{op}: raw tensor {s} is {t.DType} {t.Shape}; expected floating point (N, {mask.Count * (5 + classes)}, H, W) for {mask.Count} anchors and {classes} classes.", nameof(raw));
            if (n >= 0 && t.Size(0) != n)
                throw new ArgumentException($"{op}: raw tensor {s} has batch size {t.Size(0)}, tensor 0 has {n}.", nameof(raw));
            n = t.Size(0);
        }
        return n;
    }
}
