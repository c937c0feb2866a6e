"""Fixtures for kg.text.sources, made from a plain-text policy: the same text published as a
government web page (navigation, breadcrumbs, a metadata table, share buttons, footer), a PDF
(hard-wrapped lines, page numbers; Chinese with a non-embedded CID font, as many government PDFs
are made), a Word .docx, plus a scanned-style PDF (no text layer) and an encrypted PDF.

Used by tests/test_formats.py and benchmarks/run.py; nothing here is downloaded.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

_ZH_CHROME_TOP = """<div class="header"><div class="topbar"><a href="/">首页</a> | <a href="/zhengce/">政策</a> |
<a href="/hudong/">互动</a> | <a href="/fuwu/">服务</a> | <a href="/shuju/">数据</a> | <a href="/english/">English</a>
<span class="search"><input type="text" placeholder="请输入关键词"><button>搜索</button></span></div>
<ul class="nav"><li><a href="/zhengce/zuixin.htm">最新</a></li><li><a href="/zhengce/zhengceku/">政策文件库</a></li>
<li><a href="/zhengce/jiedu/">政策解读</a></li><li><a href="/zhengce/wenjian/">国务院文件</a></li>
<li><a href="/zhengce/bumen/">部门文件</a></li></ul></div>
<div class="BreadcrumbNav">当前位置：<a href="/">首页</a> &gt; <a href="/zhengce/">政策</a> &gt;
<a href="/zhengce/zhengceku/">政策文件库</a> &gt; 部门文件</div>
<table class="bd1" border="0"><tbody>
<tr><td><b>索 引 号：</b></td><td>000014349/2019-00012</td><td><b>主题分类：</b></td><td>财政、金融、审计\\税务</td></tr>
<tr><td><b>发文机关：</b></td><td>{issuer}</td><td><b>成文日期：</b></td><td>{written}</td></tr>
<tr><td><b>标　　题：</b></td><td colspan="3">{title}</td></tr>
<tr><td><b>发文字号：</b></td><td>{number}</td><td><b>发布日期：</b></td><td>{published}</td></tr>
</tbody></table>"""

_ZH_CHROME_BOTTOM = """<div class="share">分享到：<a class="wx" href="#">微信</a> <a class="wb" href="#">微博</a>
<a class="qq" href="#">QQ空间</a></div>
<div class="print"><a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a>
<span class="font">【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</span></div>
<div class="related"><h3>相关稿件</h3><ul>
<li><a href="/a.htm">关于做好小微企业金融服务工作的通知</a> 2019-01-10</li>
<li><a href="/b.htm">国务院常务会议部署小微企业减税措施</a> 2019-01-09</li></ul></div>
<div class="footer"><p><a href="/about.htm">网站说明</a> | <a href="/contact.htm">网站纠错</a> | <a href="/map.htm">联系我们</a></p>
<p>主办单位：中华人民共和国财政部　版权所有：中华人民共和国财政部</p>
<p>网站标识码：bm14000001　京ICP备05002860号　京公网安备11010202000005号</p>
<p>扫一扫在手机打开当前页</p></div>"""

_EN_CHROME_TOP = """<div id="header"><a class="logo" href="/">english.gov</a>
<ul class="menu"><li><a href="/news/">News</a></li><li><a href="/policies/">Policies</a></li>
<li><a href="/statecouncil/">State Council</a></li><li><a href="/services/">Services</a></li>
<li><a href="/archive/">Archive</a></li></ul><form class="search"><input name="q"><button>Search</button></form></div>
<div class="crumbs"><a href="/">Home</a> &gt;&gt; <a href="/policies/">Policies</a> &gt;&gt; Latest Releases</div>
<div class="meta">Updated: {published} 09:41 &nbsp; Source: Xinhua &nbsp;
<span class="font">Font size: <a href="#">A+</a> <a href="#">A-</a></span></div>"""

_EN_CHROME_BOTTOM = """<div class="share">Share: <a href="#">Facebook</a> <a href="#">Twitter</a>
<a href="#">LinkedIn</a> <a href="#">Email</a> <a href="javascript:window.print()">Print</a></div>
<div class="related"><h3>Related Stories</h3><ul><li><a href="/x.html">Premier stresses support for small firms</a></li>
<li><a href="/y.html">Banks urged to cut fees for micro businesses</a></li></ul></div>
<div id="footer"><p><a href="/about/">About us</a> | <a href="/contact/">Contact us</a> | <a href="/sitemap/">Site map</a></p>
<p>Copyright© The State Council of the People's Republic of China. All rights reserved.
Registration Number: 05070218</p><p>Scan the QR code to follow us on WeChat</p></div>"""


def gov_page(text: str, lang: str, published: str = "2019-01-18", charset: str = "utf-8") -> str:
    """`text` (a policy, one paragraph per line, its first line the title) as a government web page."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    title, body = lines[0], lines[1:]
    esc = html.escape
    paras = "\n".join(f'<p style="text-indent: 2em;">{esc(p)}</p>' for p in body)
    if lang == "zh":
        top = _ZH_CHROME_TOP.format(issuer="财政部", written="2019年01月17日", title=esc(title),
                                    number=esc(body[0]) if len(body[0]) < 30 else "", published=published)
        bottom = _ZH_CHROME_BOTTOM
        meta = (f'<meta name="ArticleTitle" content="{esc(title)}">\n<meta name="PubDate" content="{published} 08:00">\n'
                '<meta name="ContentSource" content="财政部网站">\n<meta name="Keywords" content="小微企业;税收">')
    else:
        top, bottom = _EN_CHROME_TOP.format(published=published), _EN_CHROME_BOTTOM
        meta = (f'<meta name="ArticleTitle" content="{esc(title)}">\n<meta name="PubDate" content="{published}">\n'
                '<meta name="ContentSource" content="Xinhua">')
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{esc(title)}_{'政府信息公开' if lang == 'zh' else 'english.gov'}</title>
{meta}
<script type="text/javascript">var _hmt = _hmt || []; function share(){{return "分享";}}</script>
<style>.nav li{{display:inline}}</style>
</head><body>
{top}
<div class="article">
<h1 id="ti">{esc(title)}</h1>
<div class="pages_content" id="UCAP-CONTENT">
{paras}
</div>
</div>
{bottom}
<script>document.write('<img src="/stat.gif">');</script>
</body></html>
"""


def write_html(path: Path, text: str, lang: str, charset: str = "utf-8") -> Path:
    path.write_bytes(gov_page(text, lang, charset=charset).encode(charset))
    return path


def write_pdf(path: Path, text: str, lang: str, wrap: int | None = None) -> Path:
    """`text` as a PDF with a text layer: lines hard-wrapped at `wrap` characters (38 for Chinese, 80
    for English by default), page numbers at the foot of each page. Chinese is set in the Adobe
    CID font STSong-Light (not embedded: the reader maps its codes by the UniGB-UCS2-H CMap)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "Helvetica"
    if lang == "zh":
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        font = "STSong-Light"
    wrap = wrap or (38 if lang == "zh" else 80)
    rows: list[str] = []
    for para in text.strip().splitlines():
        para = para.strip()
        if not para:
            continue
        if lang == "zh":
            rows += [para[i:i + wrap] for i in range(0, len(para), wrap)]
        else:
            rows += _wrap_words(para, wrap)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(rows[0])
    width, height = A4
    per_page, page = 40, 0
    for start in range(0, len(rows), per_page):
        page += 1
        y = height - 60
        c.setFont(font, 11)
        for row in rows[start:start + per_page]:
            c.drawString(50, y, row)
            y -= 18
        c.setFont("Helvetica", 9)
        c.drawCentredString(width / 2, 30, f"- {page} -")
        c.showPage()
    c.save()
    return path


def _wrap_words(para: str, width: int) -> list[str]:
    out, line = [], ""
    for word in para.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return out + ([line] if line else [])


def write_scanned_pdf(path: Path) -> Path:
    """A PDF whose pages are pictures only (a scan): no text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for _ in range(2):
        for i in range(30):  # 'lines of print' drawn as grey bars, as a scanner's image would show
            c.setFillGray(0.2)
            c.rect(60, 760 - 20 * i, 400 + (i * 37) % 80, 8, stroke=0, fill=1)
        c.showPage()
    c.save()
    return path


def write_encrypted_pdf(path: Path, text: str) -> Path:
    """A text PDF encrypted with a user password (it cannot be read without it)."""
    from reportlab.lib import pdfencrypt
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    enc = pdfencrypt.StandardEncryption("secret", ownerPassword="owner", strength=128)
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=enc, invariant=1)
    c.setFont("Helvetica", 11)
    for i, line in enumerate(_wrap_words(text, 80)[:40]):
        c.drawString(50, 780 - 18 * i, line)
    c.showPage()
    c.save()
    return path


def write_docx(path: Path, text: str) -> Path:
    """`text` as a Word document: the title as a heading, one paragraph per line, a header and footer."""
    import docx

    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "政府信息公开" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "Public"
    d.sections[0].footer.paragraphs[0].text = "- 1 -"
    d.add_heading(lines[0], level=1)
    for ln in lines[1:]:
        d.add_paragraph(ln)
    buf = io.BytesIO()
    d.save(buf)
    path.write_bytes(buf.getvalue())
    return path
