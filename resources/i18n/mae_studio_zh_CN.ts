<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AnalysisDialog</name>
    <message>
        <source>Compute</source>
        <translation>计算</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>The photo changed: Compute for this one.</source>
        <translation>照片已更换：请为这张照片重新计算。</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Computing on the model&apos;s thread; you can keep painting.</source>
        <translation>正在模型线程上计算；可以继续绘制遮挡。</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>The mask has changed since: Compute again for the current mask.</source>
        <translation>遮挡在计算之后已改变：请重新计算以对应当前遮挡。</translation>
    </message>
    <message>
        <source>%v of %m</source>
        <translation>%v / %m</translation>
    </message>
    <message>
        <source>Failed: {message}</source>
        <translation>失败：{message}</translation>
    </message>
    <message>
        <source>Stopped: {reason}.</source>
        <translation>已停止：{reason}。</translation>
    </message>
</context>
<context>
    <name>AnalysisSlot</name>
    <message>
        <source>another analysis started</source>
        <translation>另一项分析已开始</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>AnalysisTools</name>
    <message>
        <source>&amp;Analysis</source>
        <translation>分析(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Error Map and Uncertainty…</source>
        <translation>误差图与不确定性(&amp;E)…</translation>
    </message>
    <message>
        <source>Every patch&apos;s error, each predicted once, and how unsure the model is</source>
        <translation>每个图像块各预测一次得到的误差，以及模型的不确定程度</translation>
    </message>
    <message>
        <source>Mask-Ratio &amp;Sweep…</source>
        <translation>遮挡比例扫描(&amp;S)…</translation>
    </message>
    <message>
        <source>Masked PSNR and MSE of this photo from 10% to 95% removed</source>
        <translation>这张照片在遮挡 10% 到 95% 时遮挡区的 PSNR 和 MSE</translation>
    </message>
    <message>
        <source>&amp;Compare Models…</source>
        <translation>比较模型(&amp;C)…</translation>
    </message>
    <message>
        <source>This model and a second one side by side on the same mask</source>
        <translation>当前模型与另一个模型在同一遮挡下并排比较</translation>
    </message>
    <message>
        <source>Decoder &amp;Attention…</source>
        <translation>解码器注意力(&amp;A)…</translation>
    </message>
    <message>
        <source>Where the decoder looks when it predicts a removed patch</source>
        <translation>解码器预测被遮挡图像块时关注哪里</translation>
    </message>
    <message>
        <source>Mask from the sweep</source>
        <translation>来自扫描的遮挡</translation>
    </message>
</context>
<context>
    <name>AttentionDialog</name>
    <message>
        <source>Decoder Attention</source>
        <translation>解码器注意力</translation>
    </message>
    <message>
        <source>Click a patch, best a removed (hatched) one, to see which patches the decoder attends to when it predicts that patch. Hatched patches are mask tokens: the decoder knows only their position there, not their content.</source>
        <translation>点击一个图像块（最好是带斜线的被遮挡块），查看解码器预测它时关注哪些图像块。带斜线的是遮挡标记（mask token）：解码器只知道它们的位置，不知道内容。</translation>
    </message>
    <message>
        <source>Block:</source>
        <translation>层：</translation>
    </message>
    <message>
        <source>Head:</source>
        <translation>注意力头：</translation>
    </message>
    <message>
        <source>Compute for the Chosen Patch</source>
        <translation>计算所选图像块</translation>
    </message>
    <message>
        <source>Attention from the chosen patch</source>
        <translation>所选图像块的注意力</translation>
    </message>
    <message>
        <source>Open a photo first</source>
        <translation>请先打开一张照片</translation>
    </message>
    <message>
        <source>weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Mean of all blocks</source>
        <translation>所有层的平均</translation>
    </message>
    <message>
        <source>Block {n}</source>
        <translation>第 {n} 层</translation>
    </message>
    <message>
        <source>Mean of all heads</source>
        <translation>所有注意力头的平均</translation>
    </message>
    <message>
        <source>Head {n}</source>
        <translation>第 {n} 个头</translation>
    </message>
    <message>
        <source>Open a photo first.</source>
        <translation>请先打开一张照片。</translation>
    </message>
    <message>
        <source>Click a patch in the picture first.</source>
        <translation>请先在图中点击一个图像块。</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>被遮挡</translation>
    </message>
    <message>
        <source>visible</source>
        <translation>可见</translation>
    </message>
    <message>
        <source>Attention from patch ({row}, {col}), {kind} · {block} · {head}</source>
        <translation>图像块 ({row}, {col})（{kind}）的注意力 · {block} · {head}</translation>
    </message>
    <message>
        <source>Of this attention, {v:.0%} goes to visible patches, {m:.0%} to mask tokens and {c:.0%} to the class token. Hover a patch for its weight; click another patch to look from there.</source>
        <translation>这份注意力中，{v:.0%} 分给可见图像块，{m:.0%} 分给遮挡标记，{c:.0%} 分给类别标记（class token）。鼠标悬停查看某块的权重；点击其他图像块从那里查看。</translation>
    </message>
    <message>
        <source>Computed in {ms:.0f} ms.</source>
        <translation>计算用时 {ms:.0f} 毫秒。</translation>
    </message>
    <message>
        <source>mask token</source>
        <translation>遮挡标记</translation>
    </message>
    <message>
        <source>visible patch</source>
        <translation>可见图像块</translation>
    </message>
    <message>
        <source>Patch ({row}, {col}), {kind}: weight {w:.4f}</source>
        <translation>图像块 ({row}, {col})，{kind}：权重 {w:.4f}</translation>
    </message>
</context>
<context>
    <name>Autosave</name>
    <message>
        <source>Autosave is off: {reason}</source>
        <translation>自动保存已关闭：{reason}</translation>
    </message>
    <message>
        <source>Autosave is off: another MAE Studio window is autosaving its own session</source>
        <translation>自动保存已关闭：另一个 MAE Studio 窗口正在自动保存它自己的会话</translation>
    </message>
    <message>
        <source>Autosave failed: {reason}</source>
        <translation>自动保存失败：{reason}</translation>
    </message>
    <message>
        <source>The autosaved session cannot be restored</source>
        <translation>无法恢复自动保存的会话</translation>
    </message>
    <message>
        <source>MAE Studio starts with a new session.</source>
        <translation>MAE Studio 将以新会话启动。</translation>
    </message>
    <message>
        <source>It was kept as {file}; MAE Studio starts with a new session.</source>
        <translation>该文件已另存为 {file}；MAE Studio 将以新会话启动。</translation>
    </message>
</context>
<context>
    <name>CatalogueTable</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Predicts</source>
        <translation>预测目标</translation>
    </message>
    <message>
        <source>On disk</source>
        <translation>已下载</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>What it is</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>{url} (click to open)</source>
        <translation>{url}（点击打开）</translation>
    </message>
</context>
<context>
    <name>ColorBar</name>
    <message>
        <source>fixed</source>
        <translation>固定</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>{label} · {mode}</source>
        <translation>{label} · {mode}</translation>
    </message>
    <message>
        <source>max {value}</source>
        <translation>最大 {value}</translation>
    </message>
    <message>
        <source>{count} above</source>
        <translation>{count} 个超出</translation>
    </message>
    <message>
        <source>Colour scale fixed at {top}: results are coloured alike, so edits compare.</source>
        <translation>色标上限固定为 {top}：各次结果用同一标准着色，便于比较修改前后。</translation>
    </message>
    <message>
        <source>Colour scale set for this result: its top ({top}) is the 99th percentile of the removed patches&apos; errors.</source>
        <translation>色标按本次结果设定：上限（{top}）是被遮挡图像块误差的第 99 百分位数。</translation>
    </message>
    <message numerus="yes">
        <source>%n removed patch(es) above the top, shown in its colour (max {value}).</source>
        <translation>
            <numerusform>%n 个被遮挡的图像块超出上限，以上限颜色显示（最大 {value}）。</numerusform>
        </translation>
    </message>
    <message>
        <source>Click for the colour map and scale.</source>
        <translation>点击选择配色和色标。</translation>
    </message>
</context>
<context>
    <name>CompareDialog</name>
    <message>
        <source>Compare Models</source>
        <translation>比较模型</translation>
    </message>
    <message>
        <source>The model in use and a second model reconstruct the photo under the same mask. The second model is loaded only for the comparison; your model stays as it is.</source>
        <translation>当前模型和另一个模型在同一遮挡下修复这张照片。第二个模型只为比较而加载；当前模型保持不变。</translation>
    </message>
    <message>
        <source>The second model: the shipped default, a downloaded one or a file</source>
        <translation>第二个模型：自带的默认模型、已下载的模型或模型文件</translation>
    </message>
    <message>
        <source>Heat map (one scale for both)</source>
        <translation>热力图（两者使用同一色标）</translation>
    </message>
    <message>
        <source>Second model:</source>
        <translation>第二个模型：</translation>
    </message>
    <message>
        <source>Compute to compare</source>
        <translation>点击“计算”进行比较</translation>
    </message>
    <message>
        <source>Shipped default model</source>
        <translation>自带的默认模型</translation>
    </message>
    <message>
        <source>Model file…</source>
        <translation>模型文件…</translation>
    </message>
    <message>
        <source>Second model</source>
        <translation>第二个模型</translation>
    </message>
    <message>
        <source>Checkpoints (*.pth *.pt *.safetensors *.bin);;All files (*)</source>
        <translation>检查点 (*.pth *.pt *.safetensors *.bin);;所有文件 (*)</translation>
    </message>
    <message>
        <source>{name} is no longer downloaded: Model &gt; Get Models</source>
        <translation>{name} 已不在本地：请通过“模型 &gt; 获取模型”下载</translation>
    </message>
    <message>
        <source>Choose the second model first.</source>
        <translation>请先选择第二个模型。</translation>
    </message>
    <message>
        <source>Open a photo first.</source>
        <translation>请先打开一张照片。</translation>
    </message>
    <message>
        <source>{h}x{w} patches of {p} px, {masked} removed · masked MSE {mse:.5f} · PSNR {psnr:.2f} dB · {ms:.0f} ms</source>
        <translation>{h}x{w} 个图像块，每块 {p} 像素，遮挡 {masked} 个 · 遮挡区 MSE {mse:.5f} · PSNR {psnr:.2f} dB · {ms:.0f} 毫秒</translation>
    </message>
    <message>
        <source>{name} loaded in {s:.1f} s and dropped after the comparison.</source>
        <translation>{name} 加载用时 {s:.1f} 秒，比较完成后已卸载。</translation>
    </message>
</context>
<context>
    <name>Document</name>
    <message>
        <source>Photo fit: {fit}</source>
        <translation>照片适配：{fit}</translation>
    </message>
    <message>
        <source>Restore session</source>
        <translation>恢复会话</translation>
    </message>
    <message>
        <source>Paint</source>
        <translation>绘制</translation>
    </message>
    <message>
        <source>Toggle patch</source>
        <translation>切换图像块</translation>
    </message>
    <message>
        <source>{pattern} mask</source>
        <translation>{pattern}遮挡</translation>
    </message>
    <message>
        <source>Invert mask</source>
        <translation>反转遮挡</translation>
    </message>
    <message>
        <source>Clear mask</source>
        <translation>清除遮挡</translation>
    </message>
</context>
<context>
    <name>ErrorMapDialog</name>
    <message>
        <source>Error Map and Uncertainty</source>
        <translation>误差图与不确定性</translation>
    </message>
    <message>
        <source>One reconstruction only predicts the removed patches. The error map splits the photo into K parts and removes each in turn (with other patches up to 75%), so every patch is predicted exactly once. The uncertainty is how much the prediction of each pixel changes over random 75% masks. Neither depends on the mask you painted.</source>
        <translation>一次修复只预测被遮挡的图像块。误差图把照片分成 K 份，依次遮挡每一份（连同其他图像块共遮挡约 75%），使每个图像块恰好被预测一次。不确定性是每个像素的预测在多次随机 75% 遮挡下的变化程度。两者都与你绘制的遮挡无关。</translation>
    </message>
    <message>
        <source>Runs of the error map: each removes one part of the photo</source>
        <translation>误差图的运行次数：每次遮挡照片的一份</translation>
    </message>
    <message>
        <source>Random masks the uncertainty is measured over</source>
        <translation>计算不确定性所用的随机遮挡数</translation>
    </message>
    <message>
        <source>Parts (K):</source>
        <translation>份数 (K)：</translation>
    </message>
    <message>
        <source>Random masks:</source>
        <translation>随机遮挡数：</translation>
    </message>
    <message>
        <source>Error of every patch (MSE)</source>
        <translation>每个图像块的误差（MSE）</translation>
    </message>
    <message>
        <source>Uncertainty (std of [0, 1] pixels)</source>
        <translation>不确定性（[0, 1] 像素值的标准差）</translation>
    </message>
    <message>
        <source>std</source>
        <translation>标准差</translation>
    </message>
    <message>
        <source>Compute to see the map</source>
        <translation>点击“计算”查看误差图</translation>
    </message>
    <message>
        <source>Colour scale set for this map: its top ({top}) is the 99th percentile of the pixels&apos; spread.</source>
        <translation>色标按本图设定：上限（{top}）是像素离散程度的第 99 百分位数。</translation>
    </message>
    <message numerus="yes">
        <source>%n pixel(s) above the top, shown in its colour (max {value}).</source>
        <translation>
            <numerusform>%n 个像素超出上限，以上限颜色显示（最大 {value}）。</numerusform>
        </translation>
    </message>
    <message>
        <source>{k} runs for the error map and {n} masks for the uncertainty in {s:.1f} s.</source>
        <translation>误差图运行 {k} 次、不确定性使用 {n} 个遮挡，共用时 {s:.1f} 秒。</translation>
    </message>
    <message numerus="yes">
        <source>%n patch(es) above the colour bar&apos;s top (worst {worst}).</source>
        <translation>
            <numerusform>%n 个图像块超出色标上限（最差 {worst}）。</numerusform>
        </translation>
    </message>
    <message>
        <source>Patch ({row}, {col}): MSE {mse} · uncertainty {std}</source>
        <translation>图像块 ({row}, {col})：MSE {mse} · 不确定性 {std}</translation>
    </message>
</context>
<context>
    <name>FileActions</name>
    <message>
        <source>Images ({patterns});;All files (*)</source>
        <translation>图像 ({patterns});;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open Photo</source>
        <translation>打开照片</translation>
    </message>
    <message>
        <source>Cannot open the photo</source>
        <translation>无法打开照片</translation>
    </message>
    <message>
        <source>Opening the photo…</source>
        <translation>正在打开照片…</translation>
    </message>
    <message>
        <source>pasted image</source>
        <translation>粘贴的图像</translation>
    </message>
    <message>
        <source>Cannot use the pasted image</source>
        <translation>无法使用粘贴的图像</translation>
    </message>
    <message>
        <source>{width}x{height} is too small</source>
        <translation>{width}x{height} 太小</translation>
    </message>
    <message>
        <source>Nothing to open</source>
        <translation>没有可打开的内容</translation>
    </message>
    <message>
        <source>The clipboard holds no image or file.</source>
        <translation>剪贴板中没有图像或文件。</translation>
    </message>
    <message>
        <source>Open Model Checkpoint</source>
        <translation>打开模型检查点</translation>
    </message>
    <message>
        <source>Checkpoints</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <source>Open Hugging Face Model Folder</source>
        <translation>打开 Hugging Face 模型文件夹</translation>
    </message>
    <message>
        <source>Replace existing files?</source>
        <translation>替换已有文件？</translation>
    </message>
    <message>
        <source>In {folder} these files exist and would be replaced:</source>
        <translation>{folder} 中已有以下文件，将被替换：</translation>
    </message>
    <message>
        <source>there is no reconstruction yet</source>
        <translation>还没有修复结果</translation>
    </message>
    <message>
        <source>of the previous model, not of {model}</source>
        <translation>来自上一个模型，而不是 {model}</translation>
    </message>
    <message>
        <source>of the {shown} fit, not {now}</source>
        <translation>对应适配方式“{shown}”，而不是“{now}”</translation>
    </message>
    <message>
        <source>of the previous photo</source>
        <translation>对应上一张照片</translation>
    </message>
    <message>
        <source>of another mask</source>
        <translation>对应另一个遮挡</translation>
    </message>
    <message>
        <source>computed in {shown} precision, not {now}</source>
        <translation>以 {shown} 精度计算，而不是 {now}</translation>
    </message>
    <message>
        <source>the result on screen is {what}</source>
        <translation>屏幕上的结果{what}</translation>
    </message>
    <message>
        <source>; reconstructing the current one failed: {reason}</source>
        <translation>；修复当前遮挡失败：{reason}</translation>
    </message>
    <message>
        <source>The comparison cannot be saved</source>
        <translation>无法保存对比图</translation>
    </message>
    <message>
        <source>The comparison was not saved</source>
        <translation>对比图未保存</translation>
    </message>
    <message>
        <source>The comparison is saved when the current reconstruction is ready…</source>
        <translation>当前修复完成后将保存对比图…</translation>
    </message>
    <message>
        <source>The panels cannot be saved</source>
        <translation>无法保存各面板</translation>
    </message>
    <message>
        <source>The panels were not saved</source>
        <translation>各面板未保存</translation>
    </message>
    <message>
        <source>The panels are saved when the current reconstruction is ready…</source>
        <translation>当前修复完成后将保存各面板…</translation>
    </message>
    <message>
        <source>Save Comparison</source>
        <translation>保存对比图</translation>
    </message>
    <message>
        <source>PNG image</source>
        <translation>PNG 图像</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>已保存 {path}</translation>
    </message>
    <message>
        <source>Save Each Panel Into</source>
        <translation>将各面板分别保存到</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n panel(s) in {folder}</source>
        <translation>
            <numerusform>已将 %n 个面板保存到 {folder}</numerusform>
        </translation>
    </message>
    <message>
        <source>Save Mask</source>
        <translation>保存遮挡</translation>
    </message>
    <message>
        <source>The mask was not saved</source>
        <translation>遮挡未保存</translation>
    </message>
    <message>
        <source>Saved mask {path}</source>
        <translation>已保存遮挡 {path}</translation>
    </message>
    <message>
        <source>Masks</source>
        <translation>遮挡文件</translation>
    </message>
    <message>
        <source>Load Mask</source>
        <translation>载入遮挡</translation>
    </message>
    <message>
        <source>Cannot load the mask</source>
        <translation>无法载入遮挡</translation>
    </message>
    <message>
        <source>Load mask {name}</source>
        <translation>载入遮挡 {name}</translation>
    </message>
    <message numerus="yes">
        <source>Loaded mask {name} (%n patch(es))</source>
        <translation>
            <numerusform>已载入遮挡 {name}（%n 个图像块）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HeatControls</name>
    <message>
        <source>Inferno</source>
        <translation>Inferno</translation>
    </message>
    <message>
        <source>Magma</source>
        <translation>Magma</translation>
    </message>
    <message>
        <source>Viridis</source>
        <translation>Viridis</translation>
    </message>
    <message>
        <source>Plasma</source>
        <translation>Plasma</translation>
    </message>
    <message>
        <source>Cividis (colour-blind safe)</source>
        <translation>Cividis（色盲友好）</translation>
    </message>
    <message>
        <source>Turbo (rainbow)</source>
        <translation>Turbo（彩虹）</translation>
    </message>
    <message>
        <source>Grey</source>
        <translation>灰度</translation>
    </message>
    <message>
        <source>&amp;Fix Scale</source>
        <translation>固定色标(&amp;F)</translation>
    </message>
    <message>
        <source>Keep the colour scale&apos;s top where it is now, so that edits compare</source>
        <translation>保持色标上限不变，便于比较修改前后</translation>
    </message>
    <message>
        <source>&amp;Set Scale…</source>
        <translation>设置色标(&amp;S)…</translation>
    </message>
    <message>
        <source>Type the top of the colour scale (an MSE)</source>
        <translation>输入色标上限（一个 MSE 值）</translation>
    </message>
    <message>
        <source>Set Colour Scale</source>
        <translation>设置色标</translation>
    </message>
    <message>
        <source>Top of the heat map&apos;s colour scale (MSE of 0–1 pixel values):</source>
        <translation>热力图色标上限（0–1 像素值的 MSE）：</translation>
    </message>
    <message>
        <source>&amp;Fix Scale (at {top})</source>
        <translation>固定色标（上限 {top}）(&amp;F)</translation>
    </message>
    <message>
        <source>Heat Map &amp;Colours and Scale</source>
        <translation>热力图配色与色标(&amp;C)</translation>
    </message>
</context>
<context>
    <name>ImageView</name>
    <message>
        <source>No result yet</source>
        <translation>还没有结果</translation>
    </message>
    <message>
        <source>patch ({row}, {col}) · MSE {mse}</source>
        <translation>图像块 ({row}, {col}) · MSE {mse}</translation>
    </message>
</context>
<context>
    <name>InferenceController</name>
    <message>
        <source>the photo or its fit changed</source>
        <translation>照片或其适配方式已改变</translation>
    </message>
    <message>
        <source>another model is loading</source>
        <translation>正在加载另一个模型</translation>
    </message>
    <message>
        <source>open a photo first</source>
        <translation>请先打开一张照片</translation>
    </message>
    <message>
        <source>no model is loaded</source>
        <translation>尚未加载模型</translation>
    </message>
    <message>
        <source>preview, decoder only ({text})</source>
        <translation>预览，仅解码器（{text}）</translation>
    </message>
    <message>
        <source>preview ({text})</source>
        <translation>预览（{text}）</translation>
    </message>
</context>
<context>
    <name>InferenceWorker</name>
    <message>
        <source>precision {precision} unavailable ({reason})</source>
        <translation>精度 {precision} 不可用（{reason}）</translation>
    </message>
    <message>
        <source>no model is loaded</source>
        <translation>尚未加载模型</translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <source>Language: {language}</source>
        <translation>界面语言：{language}</translation>
    </message>
    <message>
        <source>MAE Studio will be in {language} from the next time it starts.</source>
        <translation>MAE Studio 下次启动时将使用{language}界面。</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>界面语言(&amp;L)</translation>
    </message>
    <message>
        <source>System Language ({language})</source>
        <translation>跟随系统（{language}）</translation>
    </message>
</context>
<context>
    <name>Layouts</name>
    <message>
        <source>&amp;2 x 2 Beside the Canvas</source>
        <translation>画布旁 2 x 2(&amp;2)</translation>
    </message>
    <message>
        <source>One &amp;Row Under the Canvas</source>
        <translation>画布下方一行(&amp;R)</translation>
    </message>
    <message>
        <source>One &amp;Large Result</source>
        <translation>单个放大结果(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Layout</source>
        <translation>布局(&amp;L)</translation>
    </message>
    <message>
        <source>Large &amp;Result</source>
        <translation>放大显示的结果(&amp;R)</translation>
    </message>
    <message>
        <source>Large result: {panel}</source>
        <translation>放大显示的结果：{panel}</translation>
    </message>
    <message>
        <source>&amp;Link Zoom and Pan</source>
        <translation>联动缩放与平移(&amp;L)</translation>
    </message>
    <message>
        <source>Zooming or panning the canvas or any result moves all of them to the same region</source>
        <translation>缩放或平移画布及任一结果时，所有视图同步到同一区域</translation>
    </message>
    <message>
        <source>&amp;Untrained Visible Patches Undimmed</source>
        <translation>不调暗未经训练的可见图像块(&amp;U)</translation>
    </message>
    <message>
        <source>Show the raw reconstruction&apos;s visible patches at full brightness. MAE&apos;s loss covers only removed patches, so its outputs there were never trained; they are dimmed by default.</source>
        <translation>以原亮度显示原始修复结果中的可见图像块。MAE 的损失函数只计算被遮挡的图像块，可见图像块上的输出从未经过训练，因此默认调暗显示。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>MAE Studio</source>
        <translation>MAE Studio</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Mask</source>
        <translation>遮挡</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Random mask</source>
        <translation>随机遮挡</translation>
    </message>
    <message>
        <source>Open a photo: File &gt; Open, drop a file here, or paste (Ctrl+V)</source>
        <translation>打开照片：“文件 &gt; 打开照片”，把文件拖到这里，或粘贴（Ctrl+V）</translation>
    </message>
    <message>
        <source>{name} — MAE Studio</source>
        <translation>{name} — MAE Studio</translation>
    </message>
    <message>
        <source>{name}: {width}x{height}, {note}</source>
        <translation>{name}：{width}x{height}，{note}</translation>
    </message>
    <message>
        <source>Reconstruction failed: {message}</source>
        <translation>修复失败：{message}</translation>
    </message>
    <message>
        <source>Eraser: left button restores patches</source>
        <translation>橡皮擦：左键恢复图像块</translation>
    </message>
    <message>
        <source>Brush: left button removes</source>
        <translation>画笔：左键遮挡图像块</translation>
    </message>
    <message>
        <source>Restored the session autosaved at {time}</source>
        <translation>已恢复 {time} 自动保存的会话</translation>
    </message>
    <message>
        <source>{title}: {message}</source>
        <translation>{title}：{message}</translation>
    </message>
    <message>
        <source>&lt;b&gt;MAE Studio {version}&lt;/b&gt;&lt;p&gt;See what a Masked Autoencoder does (He et al. 2021, &lt;i&gt;Masked Autoencoders Are Scalable Vision Learners&lt;/i&gt;).&lt;/p&gt;&lt;p&gt;Model: {model}&lt;/p&gt;</source>
        <translation>&lt;b&gt;MAE Studio {version}&lt;/b&gt;&lt;p&gt;亲眼看看掩码自编码器（MAE）如何修复被遮挡的图像（He 等，2021，&lt;i&gt;Masked Autoencoders Are Scalable Vision Learners&lt;/i&gt;）。&lt;/p&gt;&lt;p&gt;模型：{model}&lt;/p&gt;</translation>
    </message>
    <message>
        <source>About MAE Studio</source>
        <translation>关于 MAE Studio</translation>
    </message>
</context>
<context>
    <name>MaskCanvas</name>
    <message>
        <source>Brush stroke</source>
        <translation>画笔涂抹</translation>
    </message>
    <message>
        <source>Erase stroke</source>
        <translation>橡皮擦涂抹</translation>
    </message>
    <message>
        <source>Rectangle</source>
        <translation>矩形</translation>
    </message>
    <message>
        <source>Erase rectangle</source>
        <translation>矩形擦除</translation>
    </message>
</context>
<context>
    <name>MaskPanel</name>
    <message>
        <source>{removed}/{total} patches removed, {percent}%</source>
        <translation>已遮挡 {removed}/{total} 个图像块，{percent}%</translation>
    </message>
    <message>
        <source>{fit}: {what_it_shows}</source>
        <translation>{fit}：{what_it_shows}</translation>
    </message>
    <message>
        <source>How the photo meets the model (one undo step; Ctrl+1, 2, 3)</source>
        <translation>照片如何送入模型（可一步撤销；Ctrl+1、2、3）</translation>
    </message>
    <message>
        <source>The patch grid the model runs on: rows x columns</source>
        <translation>模型所用的图像块网格：行 x 列</translation>
    </message>
    <message>
        <source>How the mask is generated; the ratio and seed apply to it</source>
        <translation>遮挡的生成方式；比例和随机种子作用于它</translation>
    </message>
    <message>
        <source>The pattern&apos;s mask ratio: the share of patches it removes (a new mask as it moves). A painted mask has its own count, shown below.</source>
        <translation>图案的遮挡比例：被遮挡图像块所占的比例（拖动时生成新的遮挡）。手绘遮挡有自己的数量，显示在下方。</translation>
    </message>
    <message>
        <source>Pattern mask ratio</source>
        <translation>图案遮挡比例</translation>
    </message>
    <message>
        <source>Patches removed by the current mask, as the model gets it</source>
        <translation>当前遮挡中被遮挡的图像块（即模型实际收到的）</translation>
    </message>
    <message>
        <source>Seed of the random and block-wise patterns</source>
        <translation>随机和分块图案的随机种子</translation>
    </message>
    <message>
        <source>Re-roll</source>
        <translation>换种子</translation>
    </message>
    <message>
        <source>New random seed (R)</source>
        <translation>新的随机种子（R）</translation>
    </message>
    <message>
        <source>Apply pattern</source>
        <translation>应用图案</translation>
    </message>
    <message>
        <source>Replace the mask with the chosen pattern, ratio and seed</source>
        <translation>用所选图案、比例和随机种子替换当前遮挡</translation>
    </message>
    <message>
        <source>Invert</source>
        <translation>反转</translation>
    </message>
    <message>
        <source>Removed patches become visible and vice versa (I)</source>
        <translation>被遮挡的图像块变为可见，反之亦然（I）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Show every patch (Delete)</source>
        <translation>显示所有图像块（Delete）</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适配</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Pattern</source>
        <translation>图案</translation>
    </message>
    <message>
        <source>Ratio</source>
        <translation>比例</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Mask</source>
        <translation>遮挡</translation>
    </message>
    <message>
        <source>{rows} x {cols} patches of {size} px</source>
        <translation>{rows} x {cols} 个图像块，每块 {size} 像素</translation>
    </message>
    <message>
        <source>{percent}%</source>
        <translation>{percent}%</translation>
    </message>
    <message>
        <source>From the pattern ({pattern}, seed {seed})</source>
        <translation>来自图案（{pattern}，种子 {seed}）</translation>
    </message>
    <message>
        <source>{percent}%*</source>
        <translation>{percent}%*</translation>
    </message>
    <message>
        <source>* the pattern&apos;s ratio; the painted mask removes {percent}%</source>
        <translation>* 图案的比例；手绘遮挡实际遮挡了 {percent}%</translation>
    </message>
    <message>
        <source>* Painted by hand: removes {actual}%. The Ratio slider ({ratio}%) is the pattern&apos;s setting; Apply pattern or moving the slider replaces this mask.</source>
        <translation>* 手绘遮挡：实际遮挡 {actual}%。比例滑块（{ratio}%）是图案的设置；点击“应用图案”或拖动滑块会替换这个遮挡。</translation>
    </message>
    <message>
        <source>Mask ratio</source>
        <translation>遮挡比例</translation>
    </message>
    <message>
        <source>Mask ratio {percent}%</source>
        <translation>遮挡比例 {percent}%</translation>
    </message>
    <message>
        <source>{pattern} mask</source>
        <translation>{pattern}遮挡</translation>
    </message>
    <message>
        <source>Seed {seed}</source>
        <translation>种子 {seed}</translation>
    </message>
    <message>
        <source>Re-roll seed</source>
        <translation>更换随机种子</translation>
    </message>
</context>
<context>
    <name>Menus</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open Photo…</source>
        <translation>打开照片(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Samples</source>
        <translation>示例照片(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Paste Photo</source>
        <translation>粘贴照片(&amp;P)</translation>
    </message>
    <message>
        <source>Open the image on the clipboard</source>
        <translation>打开剪贴板中的图像</translation>
    </message>
    <message>
        <source>&amp;Next Photo in Folder</source>
        <translation>文件夹中的下一张照片(&amp;N)</translation>
    </message>
    <message>
        <source>The next photo of this photo&apos;s folder, keeping the mask</source>
        <translation>打开同一文件夹中的下一张照片，保留当前遮挡</translation>
    </message>
    <message>
        <source>Pre&amp;vious Photo in Folder</source>
        <translation>文件夹中的上一张照片(&amp;V)</translation>
    </message>
    <message>
        <source>The previous photo of this photo&apos;s folder, keeping the mask</source>
        <translation>打开同一文件夹中的上一张照片，保留当前遮挡</translation>
    </message>
    <message>
        <source>&amp;Save Comparison…</source>
        <translation>保存对比图(&amp;S)…</translation>
    </message>
    <message>
        <source>All panels with labels, as PNG</source>
        <translation>所有面板及其标题，保存为 PNG</translation>
    </message>
    <message>
        <source>Save &amp;Each Panel…</source>
        <translation>分别保存各面板(&amp;E)…</translation>
    </message>
    <message>
        <source>Save Mas&amp;k…</source>
        <translation>保存遮挡(&amp;K)…</translation>
    </message>
    <message>
        <source>The mask as JSON or PNG</source>
        <translation>将遮挡保存为 JSON 或 PNG</translation>
    </message>
    <message>
        <source>&amp;Load Mask…</source>
        <translation>载入遮挡(&amp;L)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Apply Mask Pattern</source>
        <translation>应用遮挡图案(&amp;A)</translation>
    </message>
    <message>
        <source>Re-roll &amp;Seed</source>
        <translation>更换随机种子(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Invert Mask</source>
        <translation>反转遮挡(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Clear Mask</source>
        <translation>清除遮挡(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Get Models…</source>
        <translation>获取模型(&amp;G)…</translation>
    </message>
    <message>
        <source>Download an official MAE or a Hugging Face ViTMAE, or load one already on disk</source>
        <translation>下载官方 MAE 或 Hugging Face ViTMAE 模型，或加载已下载的模型</translation>
    </message>
    <message>
        <source>&amp;Default Model</source>
        <translation>默认模型(&amp;D)</translation>
    </message>
    <message>
        <source>Open Model &amp;File…</source>
        <translation>打开模型文件(&amp;F)…</translation>
    </message>
    <message>
        <source>Open a checkpoint file</source>
        <translation>打开检查点文件</translation>
    </message>
    <message>
        <source>Open Model &amp;Folder…</source>
        <translation>打开模型文件夹(&amp;O)…</translation>
    </message>
    <message>
        <source>Photo &amp;Fit</source>
        <translation>照片适配(&amp;F)</translation>
    </message>
    <message>
        <source>Photo fit: {fit}</source>
        <translation>照片适配：{fit}</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Brush</source>
        <translation>画笔(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Rectangle</source>
        <translation>矩形(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Toggle Patch</source>
        <translation>切换图像块(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Eraser (left button restores)</source>
        <translation>橡皮擦（左键恢复）(&amp;E)</translation>
    </message>
    <message>
        <source>Smaller Brush</source>
        <translation>缩小画笔</translation>
    </message>
    <message>
        <source>Larger Brush</source>
        <translation>放大画笔</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Fit to Window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>Patch &amp;Grid</source>
        <translation>图像块网格(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Heat Map on Reconstruction</source>
        <translation>在修复结果上叠加热力图(&amp;H)</translation>
    </message>
    <message>
        <source>Mask &amp;Colour…</source>
        <translation>遮挡颜色(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About MAE Studio</source>
        <translation>关于 MAE Studio(&amp;A)</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Clear Recent</source>
        <translation>清除最近打开记录</translation>
    </message>
</context>
<context>
    <name>ModelActions</name>
    <message>
        <source>the default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>Cannot open the model</source>
        <translation>无法打开模型</translation>
    </message>
    <message>
        <source>The current model stays loaded.</source>
        <translation>当前模型保持加载。</translation>
    </message>
    <message>
        <source>No model is loaded yet.</source>
        <translation>尚未加载任何模型。</translation>
    </message>
    <message>
        <source>The model was not loaded</source>
        <translation>模型未加载</translation>
    </message>
    <message>
        <source>{message}; loading on the best available device instead</source>
        <translation>{message}；改为在最合适的可用设备上加载</translation>
    </message>
    <message>
        <source>The GPU ({gpu}) ran out of memory while loading the model</source>
        <translation>GPU（{gpu}）在加载模型时显存不足</translation>
    </message>
    <message>
        <source>The GPU ({gpu}) ran out of memory while reconstructing</source>
        <translation>GPU（{gpu}）在修复时显存不足</translation>
    </message>
    <message>
        <source>The GPU ({gpu}) stopped working while loading the model</source>
        <translation>GPU（{gpu}）在加载模型时停止工作</translation>
    </message>
    <message>
        <source>The GPU ({gpu}) stopped working while reconstructing</source>
        <translation>GPU（{gpu}）在修复时停止工作</translation>
    </message>
    <message>
        <source>{what}: {message}</source>
        <translation>{what}：{message}</translation>
    </message>
    <message>
        <source>It is slower, but uses the computer&apos;s main memory.</source>
        <translation>在 CPU 上运行较慢，但使用的是计算机的主内存。</translation>
    </message>
    <message>
        <source>The model is loaded again there; the GPU may need MAE Studio to restart.</source>
        <translation>模型将在 CPU 上重新加载；GPU 可能需要重启 MAE Studio 才能恢复。</translation>
    </message>
    <message>
        <source>The GPU ran out of memory</source>
        <translation>GPU 显存不足</translation>
    </message>
    <message>
        <source>The GPU stopped working</source>
        <translation>GPU 停止工作</translation>
    </message>
    <message>
        <source>{what}. Switch to the CPU?</source>
        <translation>{what}。切换到 CPU 吗？</translation>
    </message>
    <message>
        <source>Switch to CPU</source>
        <translation>切换到 CPU</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stay on GPU</source>
        <translation>继续使用 GPU</translation>
    </message>
</context>
<context>
    <name>ModelDownloader</name>
    <message>
        <source>Nothing had been downloaded yet.</source>
        <translation>尚未下载任何内容。</translation>
    </message>
    <message>
        <source>The {size} downloaded so far are kept; the next download resumes there.</source>
        <translation>已下载的 {size} 会保留；下次下载将从此处继续。</translation>
    </message>
</context>
<context>
    <name>ModelInfo</name>
    <message>
        <source>untrained (random weights)</source>
        <translation>未训练（随机权重）</translation>
    </message>
    <message>
        <source>{name} · {size}px, {patch}px patches ({grid}x{grid})</source>
        <translation>{name} · {size} 像素，图像块 {patch} 像素（{grid}x{grid}）</translation>
    </message>
</context>
<context>
    <name>ModelPanel</name>
    <message>
        <source>Auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>默认</translation>
    </message>
    <message>
        <source>The model shipped with MAE Studio</source>
        <translation>MAE Studio 自带的模型</translation>
    </message>
    <message>
        <source>Open file…</source>
        <translation>打开文件…</translation>
    </message>
    <message>
        <source>An official .pth, a Hugging Face .bin/.safetensors or an MAE Studio .safetensors</source>
        <translation>官方 .pth、Hugging Face .bin/.safetensors 或 MAE Studio .safetensors 文件</translation>
    </message>
    <message>
        <source>Open folder…</source>
        <translation>打开文件夹…</translation>
    </message>
    <message>
        <source>A Hugging Face model folder (config.json + weights)</source>
        <translation>Hugging Face 模型文件夹（config.json 和权重）</translation>
    </message>
    <message>
        <source>Where the model runs (reloads the model)</source>
        <translation>模型运行的设备（更改后重新加载模型）</translation>
    </message>
    <message>
        <source>CPU threads for the model (Auto: all cores on 2-3 core machines, else one left free)</source>
        <translation>模型使用的 CPU 线程数（自动：2-3 核的机器用全部核心，否则留出一个核心）</translation>
    </message>
    <message>
        <source>Exact (float32)</source>
        <translation>精确（float32）</translation>
    </message>
    <message>
        <source>Fast (bf16 / int8 / TF32)</source>
        <translation>快速（bf16 / int8 / TF32）</translation>
    </message>
    <message>
        <source>Fast: what this hardware runs fastest, within a small error of Exact</source>
        <translation>快速：使用本机硬件最快的计算方式，与“精确”只有很小的误差</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>规模</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Compute</source>
        <translation>计算</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU 线程数</translation>
    </message>
    <message>
        <source>{size}px, {patch}px patches ({grid}x{grid})</source>
        <translation>{size} 像素，图像块 {patch} 像素（{grid}x{grid}）</translation>
    </message>
    <message>
        <source>{millions}M parameters on {device}</source>
        <translation>{millions}M 参数，运行于 {device}</translation>
    </message>
</context>
<context>
    <name>ModelsDialog</name>
    <message>
        <source>Get Models</source>
        <translation>获取模型</translation>
    </message>
    <message>
        <source>the current model</source>
        <translation>当前模型</translation>
    </message>
    <message>
        <source>Official facebookresearch/mae releases and Hugging Face ViTMAE repos. A model is downloaded once, verified, and kept in the torch hub or Hugging Face cache (&lt;code&gt;{torch_cache}&lt;/code&gt;, &lt;code&gt;{hub_cache}&lt;/code&gt;). The current model keeps working while another one downloads.</source>
        <translation>官方 facebookresearch/mae 发布的模型和 Hugging Face 上的 ViTMAE 仓库。每个模型只下载一次，校验后保存在 torch hub 或 Hugging Face 缓存中（&lt;code&gt;{torch_cache}&lt;/code&gt;、&lt;code&gt;{hub_cache}&lt;/code&gt;）。下载新模型时，当前模型照常工作。</translation>
    </message>
    <message>
        <source>Downloads are off (HF_HUB_OFFLINE is set): only models already on disk can be loaded.</source>
        <translation>下载已关闭（设置了 HF_HUB_OFFLINE）：只能加载已在本地的模型。</translation>
    </message>
    <message>
        <source>Hugging Face repo (owner/name) or https:// URL of a checkpoint</source>
        <translation>Hugging Face 仓库（owner/name）或检查点的 https:// 地址</translation>
    </message>
    <message>
        <source>Get</source>
        <translation>获取</translation>
    </message>
    <message>
        <source>Download it (or load it, when it is on disk)</source>
        <translation>下载（已在本地时直接加载）</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Cancel Download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Other model:</source>
        <translation>其他模型：</translation>
    </message>
    <message>
        <source>{source} is loaded: {name}.</source>
        <translation>{source} 已加载：{name}。</translation>
    </message>
    <message>
        <source>{what} is on disk but was not loaded: {message}</source>
        <translation>{what} 已在本地，但未能加载：{message}</translation>
    </message>
    <message>
        <source>{text}: no such file, and not a Hub repo id (owner/name) or URL</source>
        <translation>{text}：没有这个文件，也不是 Hub 仓库名（owner/name）或网址</translation>
    </message>
    <message>
        <source>Another download is in progress: wait for it, or cancel it first.</source>
        <translation>另一个下载正在进行：请等待它完成，或先取消它。</translation>
    </message>
    <message>
        <source>Licence of {name}</source>
        <translation>{name} 的许可证</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;{name}&lt;/b&gt; is released under &lt;b&gt;{licence}&lt;/b&gt;: you may use it for non-commercial purposes only, crediting its authors.&lt;/p&gt;&lt;p&gt;The licence: &lt;a href=&quot;{url}&quot;&gt;{url}&lt;/a&gt;&lt;/p&gt;&lt;p&gt;Accept it to download {name} ({size})? MAE Studio asks once for each licence.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;{name}&lt;/b&gt; 以 &lt;b&gt;{licence}&lt;/b&gt; 许可证发布：仅可用于非商业用途，并须注明作者。&lt;/p&gt;&lt;p&gt;许可证全文：&lt;a href=&quot;{url}&quot;&gt;{url}&lt;/a&gt;&lt;/p&gt;&lt;p&gt;接受该许可证并下载 {name}（{size}）吗？每种许可证 MAE Studio 只询问一次。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Accept and Download</source>
        <translation>接受并下载</translation>
    </message>
    <message>
        <source>Not downloaded: the licence ({licence}) was not accepted.</source>
        <translation>未下载：没有接受许可证（{licence}）。</translation>
    </message>
    <message>
        <source>Connecting to {where}…</source>
        <translation>正在连接 {where}…</translation>
    </message>
    <message>
        <source>{source} is already the model in use.</source>
        <translation>{source} 已是当前使用的模型。</translation>
    </message>
    <message>
        <source>Loading {source} from {path}…</source>
        <translation>正在从 {path} 加载 {source}…</translation>
    </message>
    <message>
        <source>the model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Checking {what} (checksum and a strict load)…</source>
        <translation>正在检查 {what}（校验和与严格加载）…</translation>
    </message>
    <message>
        <source>Downloading {what}: {progress}</source>
        <translation>正在下载 {what}：{progress}</translation>
    </message>
    <message>
        <source>Download failed: {message}
{model} stays loaded.</source>
        <translation>下载失败：{message}
{model} 保持加载。</translation>
    </message>
    <message>
        <source>Download of {what} cancelled. {kept}</source>
        <translation>已取消下载 {what}。{kept}</translation>
    </message>
    <message>
        <source>downloading</source>
        <translation>下载中</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>in use</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>downloads from {source}</source>
        <translation>下载地址：{source}</translation>
    </message>
    <message>
        <source>Closing cancels the download; it resumes next time</source>
        <translation>关闭会取消下载；下次将继续下载</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <source>on disk: {path}</source>
        <translation>本地路径：{path}</translation>
    </message>
    <message>
        <source>from {source}</source>
        <translation>来自 {source}</translation>
    </message>
    <message>
        <source>&lt;b&gt;{name}&lt;/b&gt;: {summary}. {size}, predicts {target}, licence {licence}; {where}</source>
        <translation>&lt;b&gt;{name}&lt;/b&gt;：{summary}。{size}，预测{target}，许可证 {licence}；{where}</translation>
    </message>
</context>
<context>
    <name>PaintToolbar</name>
    <message>
        <source>Paint</source>
        <translation>绘制</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <source>Rectangle</source>
        <translation>矩形</translation>
    </message>
    <message>
        <source>Toggle</source>
        <translation>切换</translation>
    </message>
    <message>
        <source>Eraser</source>
        <translation>橡皮擦</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Heat map</source>
        <translation>热力图</translation>
    </message>
    <message>
        <source>Fit view</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>Brush radius in model pixels ([ and ])</source>
        <translation>画笔半径，以模型像素计（[ 和 ]）</translation>
    </message>
    <message>
        <source>Brush size</source>
        <translation>画笔大小</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Colour of the removed patches on the photo (click to choose)</source>
        <translation>照片上被遮挡图像块的颜色（点击选择）</translation>
    </message>
    <message>
        <source>Mask colour</source>
        <translation>遮挡颜色</translation>
    </message>
    <message>
        <source>Mask</source>
        <translation>遮挡</translation>
    </message>
    <message>
        <source>Opacity of the mask colour on the photo</source>
        <translation>照片上遮挡颜色的不透明度</translation>
    </message>
    <message>
        <source>Mask opacity</source>
        <translation>遮挡不透明度</translation>
    </message>
    <message>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <source>{radius} px</source>
        <translation>{radius} 像素</translation>
    </message>
    <message>
        <source>Mask Colour</source>
        <translation>遮挡颜色</translation>
    </message>
    <message>
        <source>{percent}%</source>
        <translation>{percent}%</translation>
    </message>
</context>
<context>
    <name>PhotoFolder</name>
    <message>
        <source>Open a photo first: Next and Previous Photo step through its folder</source>
        <translation>请先打开一张照片：“下一张/上一张照片”会在它所在的文件夹中切换</translation>
    </message>
    <message>
        <source>{name} was pasted and has no folder: Next and Previous Photo step through the folder of a photo opened from a file</source>
        <translation>{name} 是粘贴的图像，没有所在文件夹：“下一张/上一张照片”只在从文件打开的照片所在文件夹中切换</translation>
    </message>
    <message>
        <source>Cannot read the folder {folder}: {reason}</source>
        <translation>无法读取文件夹 {folder}：{reason}</translation>
    </message>
    <message>
        <source>{name} is the last photo in its folder ({place})</source>
        <translation>{name} 是文件夹中的最后一张照片（{place}）</translation>
    </message>
    <message>
        <source>{name} is the first photo in its folder ({place})</source>
        <translation>{name} 是文件夹中的第一张照片（{place}）</translation>
    </message>
    <message>
        <source>skipped (cannot be opened): {names}</source>
        <translation>已跳过（无法打开）：{names}</translation>
    </message>
</context>
<context>
    <name>PhotoLoader</name>
    <message>
        <source>{name}: not enough memory to open this image</source>
        <translation>{name}：内存不足，无法打开这张图像</translation>
    </message>
    <message>
        <source>None of the next photos opens:</source>
        <translation>接下来的照片都无法打开：</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>ResultsView</name>
    <message>
        <source>{panel} (showing original)</source>
        <translation>{panel}（正在显示原图）</translation>
    </message>
    <message>
        <source>{panel} · per-patch MSE</source>
        <translation>{panel} · 逐块 MSE</translation>
    </message>
    <message>
        <source>MAE&apos;s loss covers only the removed patches, so the decoder&apos;s outputs on visible patches were never trained and can glow or smear. View &gt; Untrained Visible Patches Undimmed shows them.</source>
        <translation>MAE 的损失函数只计算被遮挡的图像块，解码器在可见图像块上的输出从未经过训练，可能发亮或模糊。“视图 &gt; 不调暗未经训练的可见图像块”可显示它们。</translation>
    </message>
    <message>
        <source>Visible patches: raw, untrained outputs</source>
        <translation>可见图像块：未经训练的原始输出</translation>
    </message>
    <message>
        <source>Visible patches dimmed: never trained</source>
        <translation>可见图像块已调暗：从未训练</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Left drag on the photo</source>
        <translation>在照片上按住左键拖动</translation>
    </message>
    <message>
        <source>Remove patches (brush, rectangle)</source>
        <translation>遮挡图像块（画笔、矩形）</translation>
    </message>
    <message>
        <source>Right drag on the photo</source>
        <translation>在照片上按住右键拖动</translation>
    </message>
    <message>
        <source>Restore patches (or the eraser with the left button)</source>
        <translation>恢复图像块（或用橡皮擦加左键）</translation>
    </message>
    <message>
        <source>Click (toggle tool)</source>
        <translation>单击（切换工具）</translation>
    </message>
    <message>
        <source>Flip one patch</source>
        <translation>切换单个图像块的遮挡状态</translation>
    </message>
    <message>
        <source>Mouse wheel</source>
        <translation>鼠标滚轮</translation>
    </message>
    <message>
        <source>Zoom at the pointer</source>
        <translation>以指针为中心缩放</translation>
    </message>
    <message>
        <source>Space + drag, middle drag</source>
        <translation>空格 + 拖动，或中键拖动</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>平移</translation>
    </message>
    <message>
        <source>Mouse wheel on a result</source>
        <translation>在结果上滚动鼠标滚轮</translation>
    </message>
    <message>
        <source>Zoom it at the pointer; linked views (L) follow</source>
        <translation>以指针为中心缩放；联动的视图（L）同步跟随</translation>
    </message>
    <message>
        <source>Drag on a zoomed result</source>
        <translation>在放大的结果上拖动</translation>
    </message>
    <message>
        <source>Pan it; linked views (L) follow</source>
        <translation>平移；联动的视图（L）同步跟随</translation>
    </message>
    <message>
        <source>Double-click a result</source>
        <translation>双击一个结果</translation>
    </message>
    <message>
        <source>Show it large (layout One Large Result)</source>
        <translation>放大显示它（布局：单个放大结果）</translation>
    </message>
    <message>
        <source>Click a thumbnail (One Large Result)</source>
        <translation>单击缩略图（单个放大结果布局）</translation>
    </message>
    <message>
        <source>Show that result large</source>
        <translation>放大显示该结果</translation>
    </message>
    <message>
        <source>Hold O</source>
        <translation>按住 O</translation>
    </message>
    <message>
        <source>Show the original in place of the reconstruction</source>
        <translation>用原图替换修复结果显示</translation>
    </message>
    <message>
        <source>Hover a result</source>
        <translation>鼠标悬停在结果上</translation>
    </message>
    <message>
        <source>Read out one patch&apos;s MSE</source>
        <translation>显示该图像块的 MSE</translation>
    </message>
    <message>
        <source>Hover the photo or a result</source>
        <translation>鼠标悬停在照片或结果上</translation>
    </message>
    <message>
        <source>Outline that patch in every view</source>
        <translation>在所有视图中框出该图像块</translation>
    </message>
    <message>
        <source>Click a point of the ratio sweep&apos;s chart</source>
        <translation>单击遮挡比例扫描图中的一个点</translation>
    </message>
    <message>
        <source>Use that ratio&apos;s mask (Analysis &gt; Mask-Ratio Sweep)</source>
        <translation>使用该比例的遮挡（分析 &gt; 遮挡比例扫描）</translation>
    </message>
    <message>
        <source>Click a patch in Decoder Attention</source>
        <translation>在“解码器注意力”中单击一个图像块</translation>
    </message>
    <message>
        <source>Show where the decoder looks when it predicts that patch</source>
        <translation>显示解码器预测该图像块时关注哪里</translation>
    </message>
    <message>
        <source>Hover an analysis map</source>
        <translation>鼠标悬停在分析图上</translation>
    </message>
    <message>
        <source>Read out that patch&apos;s values</source>
        <translation>显示该图像块的数值</translation>
    </message>
    <message>
        <source>Drop a file on the window</source>
        <translation>把文件拖放到窗口</translation>
    </message>
    <message>
        <source>Open a photo, or a checkpoint (.pth, .safetensors, .bin)</source>
        <translation>打开照片或检查点（.pth、.safetensors、.bin）</translation>
    </message>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>Mouse and held keys</source>
        <translation>鼠标与按住的键</translation>
    </message>
    <message>
        <source>Does</source>
        <translation>作用</translation>
    </message>
</context>
<context>
    <name>StudioStatusBar</name>
    <message>
        <source>Model time of the last reconstruction</source>
        <translation>上一次修复的模型耗时</translation>
    </message>
    <message>
        <source>Where the model runs</source>
        <translation>模型运行的设备</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>{ms} ms</source>
        <translation>{ms} 毫秒</translation>
    </message>
    <message numerus="yes">
        <source>%n thread(s)</source>
        <translation>
            <numerusform>%n 个线程</numerusform>
        </translation>
    </message>
    <message>
        <source>{name} · patch {patch}px</source>
        <translation>{name} · 图像块 {patch} 像素</translation>
    </message>
    <message>
        <source>patch ({row}, {col}) removed</source>
        <translation>图像块 ({row}, {col}) 已遮挡</translation>
    </message>
    <message>
        <source>patch ({row}, {col}) visible</source>
        <translation>图像块 ({row}, {col}) 可见</translation>
    </message>
    <message>
        <source> · MSE {mse}</source>
        <translation> · MSE {mse}</translation>
    </message>
    <message>
        <source>Loading {what}…</source>
        <translation>正在加载 {what}…</translation>
    </message>
    <message>
        <source>Reconstructing…</source>
        <translation>正在修复…</translation>
    </message>
</context>
<context>
    <name>SweepChart</name>
    <message>
        <source>Compute to see the sweep</source>
        <translation>点击“计算”查看扫描结果</translation>
    </message>
    <message>
        <source>mask ratio (% of patches removed)</source>
        <translation>遮挡比例（被遮挡图像块的百分比）</translation>
    </message>
    <message numerus="yes">
        <source>mean of %n seed(s)</source>
        <translation>
            <numerusform>%n 个种子的平均</numerusform>
        </translation>
    </message>
    <message>
        <source>±1 standard deviation</source>
        <translation>±1 个标准差</translation>
    </message>
    <message>
        <source>lowest and highest</source>
        <translation>最低与最高</translation>
    </message>
    <message>
        <source>trained at {pct:.0f}%</source>
        <translation>训练时 {pct:.0f}%</translation>
    </message>
    <message>
        <source>your mask: {pct:.0f}%</source>
        <translation>当前遮挡：{pct:.0f}%</translation>
    </message>
</context>
<context>
    <name>SweepDialog</name>
    <message>
        <source>Mask-Ratio Sweep</source>
        <translation>遮挡比例扫描</translation>
    </message>
    <message>
        <source>How much worse the reconstruction of this photo gets as more patches are removed: random masks from 10% to 95%, several seeds each (a seed&apos;s masks are nested). Click a point to apply that mask to the photo.</source>
        <translation>遮挡的图像块越多，这张照片的修复效果下降多少：随机遮挡比例从 10% 到 95%，每个比例取多个随机种子（同一种子的遮挡逐级包含）。点击某个点，把该遮挡应用到照片上。</translation>
    </message>
    <message>
        <source>Random masks per ratio; the band is their spread</source>
        <translation>每个比例的随机遮挡数；阴影带表示其离散程度</translation>
    </message>
    <message>
        <source>masked PSNR (dB, higher is better)</source>
        <translation>遮挡区 PSNR（dB，越高越好）</translation>
    </message>
    <message>
        <source>masked MSE (lower is better)</source>
        <translation>遮挡区 MSE（越低越好）</translation>
    </message>
    <message>
        <source>Seeds:</source>
        <translation>随机种子数：</translation>
    </message>
    <message>
        <source>{n} reconstructions ({ratios} ratios x {seeds} seeds) in {s:.1f} s.</source>
        <translation>共 {n} 次修复（{ratios} 个比例 x {seeds} 个种子），用时 {s:.1f} 秒。</translation>
    </message>
    <message>
        <source>{pct:.0f}% removed ({masked} of {total} patches): PSNR {psnr:.2f} ± {psnr_std:.2f} dB, MSE {mse:.5f}; click to apply this mask</source>
        <translation>遮挡 {pct:.0f}%（{total} 个图像块中的 {masked} 个）：PSNR {psnr:.2f} ± {psnr_std:.2f} dB，MSE {mse:.5f}；点击应用此遮挡</translation>
    </message>
</context>
<context>
    <name>autosave</name>
    <message>
        <source>Restore the last session?</source>
        <translation>恢复上次的会话？</translation>
    </message>
    <message>
        <source>MAE Studio did not close normally last time.
Restore the session autosaved at {time}?</source>
        <translation>MAE Studio 上次没有正常关闭。
要恢复 {time} 自动保存的会话吗？</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>丢弃</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>the default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>{model} on {device}</source>
        <translation>{model}（运行于 {device}）</translation>
    </message>
    <message>
        <source>Photo: {photo}
Mask: {removed} of {total} patches removed
Model: {model}</source>
        <translation>照片：{photo}
遮挡：{total} 个图像块中遮挡了 {removed} 个
模型：{model}</translation>
    </message>
</context>
<context>
    <name>downloader</name>
    <message>
        <source>{s} s</source>
        <translation>{s} 秒</translation>
    </message>
    <message>
        <source>{m} min {s} s</source>
        <translation>{m} 分 {s} 秒</translation>
    </message>
    <message>
        <source>{m} min</source>
        <translation>{m} 分钟</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} 小时 {m} 分</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <source>{size}/s</source>
        <translation>{size}/秒</translation>
    </message>
    <message>
        <source>about {duration} left</source>
        <translation>约剩 {duration}</translation>
    </message>
</context>
<context>
    <name>framing</name>
    <message>
        <source>the model sees all of it, scaled to {size}x{size}</source>
        <translation>模型看到整张照片，缩放到 {size}x{size}</translation>
    </message>
    <message>
        <source>the model sees its centre square ({side}x{side} scaled to {size}x{size})</source>
        <translation>模型看到中心正方形（{side}x{side} 缩放到 {size}x{size}）</translation>
    </message>
    <message>
        <source>the model sees all of it on a {h}x{w} patch grid</source>
        <translation>模型在 {h}x{w} 的图像块网格上看到整张照片</translation>
    </message>
    <message>
        <source>the model sees it at full resolution: {h}x{w} patches, in {size} px tiles</source>
        <translation>模型以原分辨率看到照片：{h}x{w} 个图像块，按 {size} 像素分块处理</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>Masked input</source>
        <translation>遮挡图</translation>
    </message>
    <message>
        <source>what the encoder saw: removed patches in grey</source>
        <translation>编码器看到的输入：被遮挡的图像块显示为灰色</translation>
    </message>
    <message>
        <source>Reconstruction</source>
        <translation>修复结果</translation>
    </message>
    <message>
        <source>the decoder&apos;s prediction of every patch</source>
        <translation>解码器对每个图像块的预测</translation>
    </message>
    <message>
        <source>Reconstruction + visible</source>
        <translation>修复结果 + 可见块</translation>
    </message>
    <message>
        <source>the prediction of removed patches, visible patches pasted back</source>
        <translation>被遮挡图像块的预测，可见图像块贴回原图内容</translation>
    </message>
    <message>
        <source>Original</source>
        <translation>原图</translation>
    </message>
    <message>
        <source>the photo as the model saw it</source>
        <translation>模型看到的照片</translation>
    </message>
    <message>
        <source>Error of removed patches</source>
        <translation>遮挡块误差</translation>
    </message>
    <message>
        <source>each removed patch coloured by its mean squared error</source>
        <translation>每个被遮挡的图像块按其均方误差着色</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>exactly round(L * ratio) patches, by the seed</source>
        <translation>按随机种子遮挡正好 round(L * 比例) 个图像块</translation>
    </message>
    <message>
        <source>Block-wise</source>
        <translation>分块</translation>
    </message>
    <message>
        <source>random rectangles (BEiT), exact count</source>
        <translation>随机矩形块（BEiT 方式），数量精确</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>one kept per s x s cell</source>
        <translation>每个 s x s 单元保留一块</translation>
    </message>
    <message>
        <source>Checkerboard</source>
        <translation>棋盘格</translation>
    </message>
    <message>
        <source>every other patch (always 50%)</source>
        <translation>隔一块遮挡一块（固定 50%）</translation>
    </message>
    <message>
        <source>Centre box</source>
        <translation>中心方框</translation>
    </message>
    <message>
        <source>a centred box of about ratio * L patches</source>
        <translation>居中的方框，约 比例 * L 个图像块</translation>
    </message>
    <message>
        <source>Border</source>
        <translation>边框</translation>
    </message>
    <message>
        <source>a border ring of about ratio * L patches</source>
        <translation>四周一圈边框，约 比例 * L 个图像块</translation>
    </message>
    <message>
        <source>the centre square resized to the model input (what the official demo shows)</source>
        <translation>取中心正方形并缩放到模型输入尺寸（官方演示的做法）</translation>
    </message>
    <message>
        <source>the whole photo resized to a patch grid at its own aspect (e.g. 14x21 for 3:2)</source>
        <translation>整张照片按自身宽高比缩放到图像块网格（如 3:2 对应 14x21）</translation>
    </message>
    <message>
        <source>the photo at full resolution, cut into overlapping model-size tiles, seams blended</source>
        <translation>照片保持原分辨率，切成相互重叠、与模型输入同尺寸的分块，接缝处平滑融合</translation>
    </message>
    <message>
        <source>official MAE ViT-B/16 for visualization (pixel targets), the demo notebook&apos;s base model</source>
        <translation>官方 MAE ViT-B/16 可视化版（像素目标），演示 notebook 的基础模型</translation>
    </message>
    <message>
        <source>official MAE ViT-L/16 for visualization (pixel targets), the demo notebook&apos;s default</source>
        <translation>官方 MAE ViT-L/16 可视化版（像素目标），演示 notebook 的默认模型</translation>
    </message>
    <message>
        <source>official MAE ViT-L/16 trained with an extra GAN loss: the sharpest reconstructions</source>
        <translation>官方 MAE ViT-L/16，加入 GAN 损失训练：修复结果最清晰</translation>
    </message>
    <message>
        <source>official MAE ViT-H/14 for visualization (pixel targets), the largest release</source>
        <translation>官方 MAE ViT-H/14 可视化版（像素目标），发布的最大模型</translation>
    </message>
    <message>
        <source>official MAE ViT-B/16 pre-training checkpoint with decoder (normalized-pixel targets)</source>
        <translation>官方 MAE ViT-B/16 预训练检查点，含解码器（归一化像素目标）</translation>
    </message>
    <message>
        <source>official MAE ViT-L/16 pre-training checkpoint with decoder (normalized-pixel targets)</source>
        <translation>官方 MAE ViT-L/16 预训练检查点，含解码器（归一化像素目标）</translation>
    </message>
    <message>
        <source>official MAE ViT-H/14 pre-training checkpoint with decoder (normalized-pixel targets)</source>
        <translation>官方 MAE ViT-H/14 预训练检查点，含解码器（归一化像素目标）</translation>
    </message>
    <message>
        <source>Hugging Face facebook/vit-mae-base (ViTMAEForPreTraining, ViT-B/16, pixel targets)</source>
        <translation>Hugging Face facebook/vit-mae-base（ViTMAEForPreTraining，ViT-B/16，像素目标）</translation>
    </message>
    <message>
        <source>Hugging Face facebook/vit-mae-large (ViTMAEForPreTraining, ViT-L/16, pixel targets)</source>
        <translation>Hugging Face facebook/vit-mae-large（ViTMAEForPreTraining，ViT-L/16，像素目标）</translation>
    </message>
    <message>
        <source>Hugging Face facebook/vit-mae-huge (ViTMAEForPreTraining, ViT-H/14, pixel targets)</source>
        <translation>Hugging Face facebook/vit-mae-huge（ViTMAEForPreTraining，ViT-H/14，像素目标）</translation>
    </message>
    <message>
        <source>pixels</source>
        <translation>像素</translation>
    </message>
    <message>
        <source>normalized pixels</source>
        <translation>归一化像素</translation>
    </message>
    <message>
        <source>Centre crop</source>
        <translation>中心裁剪</translation>
    </message>
    <message>
        <source>Whole photo</source>
        <translation>整张照片</translation>
    </message>
    <message>
        <source>Tiles (full resolution)</source>
        <translation>分块（原分辨率）</translation>
    </message>
</context>
<context>
    <name>model_loader</name>
    <message>
        <source>choose CPU as the Device in the Model panel</source>
        <translation>请在模型面板中把设备选为 CPU</translation>
    </message>
    <message>
        <source>The default model could not be loaded ({reason}). Using an untrained model.</source>
        <translation>无法加载默认模型（{reason}）。改用未训练的模型。</translation>
    </message>
    <message>
        <source>The default model ({file}) is not installed. Reconstructions come from an untrained model with random weights; open a checkpoint with Model &gt; Open Model File.</source>
        <translation>默认模型（{file}）未安装。修复结果来自随机权重的未训练模型；请通过“模型 &gt; 打开模型文件”打开一个检查点。</translation>
    </message>
</context>
<context>
    <name>saving</name>
    <message>
        <source>Mask JSON (*.json);;Mask PNG (*.png)</source>
        <translation>遮挡 JSON (*.json);;遮挡 PNG (*.png)</translation>
    </message>
</context>
<context>
    <name>session</name>
    <message>
        <source>not a session file (not UTF-8 text)</source>
        <translation>不是会话文件（不是 UTF-8 文本）</translation>
    </message>
    <message>
        <source>not valid JSON ({error}, line {line})</source>
        <translation>不是有效的 JSON（{error}，第 {line} 行）</translation>
    </message>
    <message>
        <source>not readable as a session ({error})</source>
        <translation>无法作为会话读取（{error}）</translation>
    </message>
    <message>
        <source>cannot be read ({reason})</source>
        <translation>无法读取（{reason}）</translation>
    </message>
    <message>
        <source>damaged: {detail}</source>
        <translation>已损坏：{detail}</translation>
    </message>
    <message>
        <source>not an MAE Studio session</source>
        <translation>不是 MAE Studio 会话</translation>
    </message>
    <message>
        <source>session version {found}; this MAE Studio reads {version}</source>
        <translation>会话版本为 {found}；此版本的 MAE Studio 只能读取版本 {version}</translation>
    </message>
    <message>
        <source>the photo {file} no longer exists</source>
        <translation>照片 {file} 已不存在</translation>
    </message>
</context>
<context>
    <name>statusbar</name>
    <message>
        <source>No result yet</source>
        <translation>还没有结果</translation>
    </message>
    <message>
        <source>Nothing masked</source>
        <translation>没有遮挡任何图像块</translation>
    </message>
    <message>
        <source>Masked MSE {mse} · PSNR {psnr} dB</source>
        <translation>遮挡区 MSE {mse} · PSNR {psnr} dB</translation>
    </message>
    <message>
        <source>exact</source>
        <translation>精确</translation>
    </message>
    <message>
        <source>fast</source>
        <translation>快速</translation>
    </message>
</context>
<context>
    <name>worker</name>
    <message>
        <source>out of memory on the model&apos;s device ({detail})</source>
        <translation>模型所在设备内存不足（{detail}）</translation>
    </message>
</context>
</TS>
