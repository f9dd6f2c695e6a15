"""mg.viz.connectivity_heatmap / connectivity_html: the PNG, the page's structure and
values (always), and the page driven by a real hover and click in headless Chromium
(when Debian's chromium and the playwright package are installed; .ci/run installs both)."""
import html
import json
import re
import shutil

import numpy as np
import pytest

import minigrad as mg

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TEXT = 'print("hi") # <b>&</b>\n'
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def matrix(T, seed=0):
    """A lower-triangular connectivity-like matrix with a zero row and a tie."""
    A = np.tril(np.random.default_rng(seed).random((T, T)) + 0.01)
    A[3] = 0.0                      # a prediction that depended on nothing
    A[5, :3] = A[5, 5]              # ties with the row's maximum
    return A


def page_data(page):
    raw = re.search(r'<script type="application/json" id="connectivity-data">(.*?)</script>',
                    page, re.S).group(1)
    return json.loads(raw)


def test_the_page_holds_the_text_and_the_values_and_nothing_external(tmp_path):
    A = matrix(len(TEXT) - 1)
    page = mg.viz.connectivity_html(A, TEXT, tmp_path / "c.html", title="a <test>")
    assert (tmp_path / "c.html").read_text(encoding="utf-8") == page
    data = page_data(page)
    assert data["text"] == TEXT
    np.testing.assert_allclose(data["values"], A, rtol=5e-4)
    spans = re.findall(r'<span data-t="(\d+)">(.*?)</span>', page, re.S)
    assert [int(t) for t, _ in spans] == list(range(len(TEXT) - 1))
    assert "".join(html.unescape(c) for _, c in spans) == TEXT[:-1]
    assert "<title>a &lt;test&gt;</title>" in page
    # self-contained: no scripts, styles, fonts or images from anywhere else
    assert not re.search(r"\bsrc=|\bhref=|@import|url\(|https?://", page)
    assert page.count("<script") == 2 and page.count("</script>") == 2
    # the text's "</b>" cannot close the data's script early
    raw = page.split('id="connectivity-data">')[1].split("</script>")[0]
    assert "</" not in raw and "<\\/b>" in raw


def test_the_heatmap_is_a_png(tmp_path):
    A = matrix(len(TEXT) - 1)
    path = mg.viz.connectivity_heatmap(A, TEXT, tmp_path / "sub" / "c.png")
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match=r"connectivity_html: A must be a square"):
        mg.viz.connectivity_html(np.ones((3, 4)), "abc")
    with pytest.raises(ValueError, match=r"connectivity_heatmap: text must hold the T = 3"):
        mg.viz.connectivity_heatmap(np.ones((3, 3)), "abcdef", "x.png")


def _rgba(css):
    """'rgba(215, 25, 28, 0.5)' or 'rgb(215, 25, 28)' -> (r, g, b, alpha)."""
    parts = [float(v) for v in re.findall(r"[\d.]+", css)]
    return tuple(parts) if len(parts) == 4 else (*parts, 1.0)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed "
                    "(apt-get install chromium)")
def test_hovering_and_clicking_in_chromium_colours_the_text_by_the_values(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    A = matrix(len(TEXT) - 1)
    mg.viz.connectivity_html(A, TEXT, tmp_path / "c.html")
    T = A.shape[0]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 500})
            page.goto((tmp_path / "c.html").as_uri())
            colours = "() => Array.from(document.querySelectorAll('#text span'))" \
                      ".map(e => getComputedStyle(e).backgroundColor)"
            assert all(_rgba(c)[3] == 0 for c in page.evaluate(colours))  # nothing yet
            for t in (T - 1, 5, 3):
                page.hover(f'span[data-t="{t}"]')
                got = [_rgba(c) for c in page.evaluate(colours)]
                row = A[t, :t + 1]
                want = row / row.max() if row.max() > 0 else row
                for s in range(T):
                    if s <= t:
                        assert got[s][:3] == (215, 25, 28)
                        # Chromium keeps alpha in 8 bits and prints it shortest
                        assert got[s][3] == pytest.approx(want[s], abs=1.5 / 255), (t, s)
                    else:
                        assert got[s][3] == 0, (t, s)  # the future stays uncoloured
                assert "current" in page.get_attribute(f'span[data-t="{t}"]', "class")
                assert page.inner_text("#info").startswith(f"step {t}:")
            # a click pins: hovering elsewhere changes nothing until the next click
            page.click('span[data-t="10"]')
            pinned = page.evaluate(colours)
            page.hover('span[data-t="2"]')
            assert page.evaluate(colours) == pinned
            assert "pinned" in page.inner_text("#info")
            page.click('span[data-t="10"]')
            page.hover('span[data-t="2"]')
            assert page.evaluate(colours) != pinned
            shot = tmp_path / "hover.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        finally:
            browser.close()
