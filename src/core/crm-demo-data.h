/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-demo-data.h — the word lists crm-demo.c draws from: Russian names, company names,
 * truck and trailer models, sources and task texts. Included by crm-demo.c only. */
#pragma once

#include <glib.h>

typedef struct { const char *ru; const char *lat; } Name;
typedef struct { const char *male; const char *female; } Patronymic;
typedef struct { const char *brand; const char *models[5]; } Models;

/* Surnames in the masculine form; the feminine adds «а» (all end in -ов/-ев/-ин). */
static const Name surnames[] = {
  { "Иванов", "ivanov" }, { "Петров", "petrov" }, { "Смирнов", "smirnov" },
  { "Кузнецов", "kuznetsov" }, { "Попов", "popov" }, { "Васильев", "vasiliev" },
  { "Соколов", "sokolov" }, { "Михайлов", "mikhailov" }, { "Новиков", "novikov" },
  { "Фёдоров", "fedorov" }, { "Морозов", "morozov" }, { "Волков", "volkov" },
  { "Алексеев", "alekseev" }, { "Лебедев", "lebedev" }, { "Семёнов", "semenov" },
  { "Егоров", "egorov" }, { "Павлов", "pavlov" }, { "Козлов", "kozlov" },
  { "Степанов", "stepanov" }, { "Николаев", "nikolaev" }, { "Орлов", "orlov" },
  { "Андреев", "andreev" }, { "Макаров", "makarov" }, { "Никитин", "nikitin" },
  { "Захаров", "zakharov" }, { "Зайцев", "zaitsev" }, { "Соловьёв", "solovyev" },
  { "Борисов", "borisov" }, { "Яковлев", "yakovlev" }, { "Григорьев", "grigoriev" },
  { "Романов", "romanov" }, { "Воробьёв", "vorobyev" }, { "Сергеев", "sergeev" },
  { "Кириллов", "kirillov" }, { "Белов", "belov" }, { "Тарасов", "tarasov" },
};
static const Name male_names[] = {
  { "Иван", "ivan" }, { "Алексей", "aleksey" }, { "Сергей", "sergey" },
  { "Андрей", "andrey" }, { "Дмитрий", "dmitry" }, { "Михаил", "mikhail" },
  { "Николай", "nikolay" }, { "Владимир", "vladimir" }, { "Евгений", "evgeny" },
  { "Павел", "pavel" }, { "Олег", "oleg" }, { "Виктор", "viktor" },
  { "Юрий", "yury" }, { "Артём", "artem" }, { "Роман", "roman" },
  { "Игорь", "igor" }, { "Константин", "konstantin" }, { "Денис", "denis" },
  { "Геннадий", "gennady" }, { "Максим", "maksim" },
};
static const Name female_names[] = {
  { "Елена", "elena" }, { "Ольга", "olga" }, { "Наталья", "natalya" },
  { "Ирина", "irina" }, { "Светлана", "svetlana" }, { "Татьяна", "tatyana" },
  { "Анна", "anna" }, { "Марина", "marina" }, { "Юлия", "yulia" },
  { "Екатерина", "ekaterina" },
};
static const Patronymic patronymics[] = {
  { "Иванович", "Ивановна" }, { "Петрович", "Петровна" }, { "Сергеевич", "Сергеевна" },
  { "Александрович", "Александровна" }, { "Николаевич", "Николаевна" },
  { "Викторович", "Викторовна" }, { "Владимирович", "Владимировна" },
  { "Михайлович", "Михайловна" }, { "Андреевич", "Андреевна" },
  { "Юрьевич", "Юрьевна" }, { "Олегович", "Олеговна" }, { "Геннадьевич", "Геннадьевна" },
};
static const char *const company_stems[] = {
  "Сиб", "Урал", "Волга", "Балт", "Дон", "Енисей", "Приморье", "Кубань", "Север",
  "Восток", "Магистраль", "Вектор", "Альянс", "Меридиан", "Кедр", "Байкал", "Алтай",
  "Кама", "Нева", "Амур",
};
static const char *const company_tails[] = {
  "Транс", "Логистик", "Карго", "Авто", "Экспресс", "ТрансСервис", "Грузавто", "Строй",
};
static const char *const mail_domains[] = {
  "mail.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru", "inbox.ru",
};
static const char *const inn_regions[] = {
  "77", "50", "78", "25", "54", "66", "16", "24", "27", "61", "23", "38",
};

/* "Model|body": the body is what the model is usually sold as. */
static const Models truck_models[] = {
  { "Volvo", { "FH 460|тягач", "FH 500|тягач", "FM 420|самосвал", "FH 540|тягач", NULL } },
  { "Scania", { "R 440|тягач", "R 450|тягач", "G 410|тягач", "S 500|тягач",
                "P 360|самосвал" } },
  { "MAN", { "TGX 18.440|тягач", "TGX 18.480|тягач", "TGS 33.440|самосвал",
             "TGS 26.400|бортовой", NULL } },
  { "DAF", { "XF 480|тягач", "XF 105.460|тягач", "CF 85.430|тягач",
             "CF 75.310|рефрижератор", NULL } },
  { "Mercedes-Benz", { "Actros 1845|тягач", "Actros 1842|тягач", "Arocs 3342|самосвал",
                       "Axor 1840|тягач", NULL } },
  { "Renault", { "T 460|тягач", "Premium 450|тягач", "Magnum 480|тягач",
                 "Midlum 220|рефрижератор", NULL } },
  { "Iveco", { "Stralis 460|тягач", "S-Way 480|тягач", "Trakker 410|самосвал", NULL, NULL } },
  { "КАМАЗ", { "5490 Neo|тягач", "65207|бортовой", "6520|самосвал", "54901|тягач",
               "65115|самосвал" } },
};
static const Models trailer_models[] = {
  { "Schmitz Cargobull", { "SCS 24|полуприцеп шторный", "S.KO Cool|рефрижератор",
                           "S.KI|полуприцеп самосвальный", NULL, NULL } },
  { "Kögel", { "SN24|полуприцеп шторный", "Cool|рефрижератор", NULL, NULL, NULL } },
  { "Krone", { "SD|полуприцеп шторный", "Cool Liner|рефрижератор",
               "Profi Liner|полуприцеп шторный", NULL, NULL } },
  { "Wielton", { "NS 34|полуприцеп шторный", "NW 3|полуприцеп самосвальный", NULL, NULL,
                 NULL } },
  { "Тонар", { "9523|полуприцеп самосвальный", "97461|зерновоз",
               "95891|полуприцеп бортовой", NULL, NULL } },
};

/* Weighted choices: the share of deals each pipeline gets, by the template's names. */
typedef struct { const char *value; guint weight; } Weighted;

static const Weighted pipeline_weights[] = {
  { "Продажи", 40 }, { "Лизинг", 22 }, { "База купивших клиентов", 10 },
  { "Отказники", 10 }, { "Отдел закупок", 18 },
};
static const Weighted sale_sources[] = {
  { "Авито", 30 }, { "Фарпост", 14 }, { "Авто.ру", 14 }, { "Рекомендация", 10 },
  { "Исходящий звонок", 10 }, { "Входящий звонок", 16 }, { "Сайт", 6 },
};
static const Weighted purchase_sources[] = {
  { "Исходящий звонок", 50 }, { "Авито", 25 }, { "Входящий звонок", 15 },
  { "Рекомендация", 10 },
};
static const Weighted sale_payments[] = {
  { "Лизинг", 60 }, { "Кредит", 15 }, { "Наличные", 25 },
};

static const char *const open_call_texts[] = {
  "Перезвонить клиенту", "Уточнить потребность и бюджет", "Связаться с клиентом",
  "Напомнить о себе, узнать решение", "Отправить подборку техники",
};
static const char *const open_meeting_texts[] = {
  "Показ техники на площадке", "Встреча с клиентом в офисе", "Осмотр техники у продавца",
};
static const char *const open_task_texts[] = {
  "Подготовить договор", "Проверить поступление оплаты", "Собрать документы для лизинга",
  "Запросить ПТС и СТС", "Проверить наличие по тегу марки",
};
static const char *const call_results[] = {
  "Клиент ждёт предложение", "Договорились о встрече", "Не дозвонился, перезвонить",
  "Клиент думает, перезвонить через неделю", "Отправил КП на почту",
};
static const char *const meeting_results[] = {
  "Встреча проведена, клиент думает", "Клиент осмотрел технику", "Обсудили условия договора",
};
