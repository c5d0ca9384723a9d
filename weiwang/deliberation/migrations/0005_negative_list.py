"""The negative list of the community fund, as data staff can extend."""

from django.db import migrations

ITEMS = [
    (
        "个人费用",
        "社区保障资金用于公共服务,不负担个人或家庭的费用。",
        "物业费,水费,电费,燃气费,停车费,个人,私人",
    ),
    (
        "应由其他责任方承担",
        "已有责任方的事项(保修期内维修、专项维修资金、管线产权单位)应由责任方承担。",
        "保修,专项维修资金,维修基金,开发商,燃气管道,电力线路,通信线路",
    ),
    (
        "政府职责与人员经费",
        "工作人员工资、办公经费等属于政府职责,不得列支。",
        "工资,办公经费,工作经费,人员经费,津贴",
    ),
    ("营利或宗教活动", "资金不得用于营利性经营或宗教活动。", "营利,经营性,宗教"),
]


def load(apps, schema_editor):
    NegativeItem = apps.get_model("deliberation", "NegativeItem")
    for name, reason, keywords in ITEMS:
        NegativeItem.objects.create(name=name, reason=reason, keywords=keywords)


def unload(apps, schema_editor):
    apps.get_model("deliberation", "NegativeItem").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0004_micro_projects")]
    operations = [migrations.RunPython(load, unload)]
