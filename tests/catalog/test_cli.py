"""``gongkai catalog import|export|sweep`` against the test database."""
import csv

from gongkai.catalog import services
from gongkai.catalog.models import Item
from gongkai.cli import main


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["标题", "成文日期", "发布日期", "分类", "摘要"])
        w.writerows(rows)


def test_import_export_sweep(agency, people, tmp_path, capsys):
    services.seed_categories(agency)
    src = tmp_path / "in.csv"
    write_csv(src, [["甲", "2024-01-02", "2024-01-03", "其他", ""], ["乙", "2024-01-02", "昨天", "其他", ""]])
    args = ["catalog", "import", str(src), "--agency", agency.slug, "--user", "reviewer"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "第3行“发布日期”列：日期格式不正确" in err and "未导入任何数据" in err
    assert Item.objects.count() == 0
    write_csv(src, [["甲", "2024-01-02", "2024-01-03", "其他", ""], ["乙", "2024-01-02", "2024-01-04", "其他", ""]])
    assert main(args) == 0 and Item.objects.count() == 2
    assert main(["catalog", "import", str(src), "--agency", agency.slug, "--user", "clerk"]) == 2
    assert "没有导入目录的权限" in capsys.readouterr().err
    assert main(["catalog", "import", str(tmp_path / "nope.csv"), "--agency", agency.slug, "--user", "reviewer"]) == 2
    assert main(["catalog", "import", str(src), "--agency", "nope", "--user", "reviewer"]) == 2
    out = tmp_path / "out.csv"
    assert main(["catalog", "export", "--agency", agency.slug, "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("索引号,标题")
    assert main(["catalog", "import", str(out), "--agency", agency.slug, "--user", "reviewer"]) == 0
    assert "跳过已有 2 条" in capsys.readouterr().out
    assert main(["catalog", "sweep", "--agency", agency.slug]) == 0
    Item.objects.filter(title="甲").update(summary="手机13812345678")
    assert main(["catalog", "sweep"]) == 1
    assert "未处理问题 1 处" in capsys.readouterr().out


def test_export_is_atomic(agency, people, tmp_path, capsys, monkeypatch):
    """A failed export leaves the previous file as it was, and no temporary file behind."""
    services.seed_categories(agency)
    src = tmp_path / "in.csv"
    write_csv(src, [["甲", "2024-01-02", "2024-01-03", "其他", ""]])
    assert main(["catalog", "import", str(src), "--agency", agency.slug, "--user", "reviewer"]) == 0
    out = tmp_path / "out.csv"
    out.write_text("previous export", encoding="utf-8")

    from gongkai.catalog import importer

    real_rows = importer.export_rows

    def failing_rows(items):
        yield from real_rows(items)
        raise RuntimeError("disk went away")

    monkeypatch.setattr(importer, "export_rows", failing_rows)
    try:
        main(["catalog", "export", "--agency", agency.slug, "-o", str(out)])
    except RuntimeError:
        pass
    assert out.read_text(encoding="utf-8") == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["catalog", "export", "--agency", agency.slug, "-o", str(tmp_path / "no" / "x.csv")]) == 2
    assert "无法写入输出文件" in capsys.readouterr().err
    assert main(["catalog", "export", "--agency", agency.slug, "--format", "xlsx", "-o", str(tmp_path)]) == 2
    assert "无法写入输出文件" in capsys.readouterr().err
